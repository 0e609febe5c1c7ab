import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noticesFor } from '../../electron/notifications';
import { runTrayAction, type TrayActionDeps } from '../../electron/tray-actions';
import {
  TOOLTIP_MAX,
  type TrayAction,
  type TrayMenuEntry,
  type TrayMenuItem,
  trayIconFile,
  trayMenu,
  trayTooltip,
  trayView,
} from '../../electron/tray-menu';
import {
  type CleanupReport,
  SESSION_PHASES,
  type SelfTestResult,
  type SessionPhase,
} from '../../server/contract/contract';
import { API_KEY, LOCAL_URL, PUBLIC_URL, stateFor } from '../fixtures/session-states';

const entries = (items: TrayMenuItem[]): TrayMenuEntry[] =>
  items.filter((item): item is TrayMenuEntry => !('separator' in item));
const byAction = (items: TrayMenuItem[], action: TrayAction): TrayMenuEntry => {
  const found = entries(items).find((item) => item.action === action);
  assert.ok(found, `menu has ${action}`);
  return found;
};
const enabled = (phase: SessionPhase, action: TrayAction) =>
  byAction(trayMenu(stateFor(phase)), action).enabled;

describe('tray menu', () => {
  test('every phase offers every action, under the same labels, with a disabled state line first', () => {
    for (const phase of SESSION_PHASES) {
      const menu = trayMenu(stateFor(phase));
      const first = menu[0] as TrayMenuEntry;
      assert.equal(first.action, null);
      assert.equal(first.enabled, false);
      assert.deepEqual(
        entries(menu)
          .filter((item) => item.action !== null)
          .map((item) => item.label),
        [
          'Show window',
          'Copy Mirror URL',
          'Copy API key',
          'Copy connection details',
          'Self-test',
          'Stop & clean up',
          'Start',
          'Quit',
        ],
        phase,
      );
      assert.equal(byAction(menu, 'show').enabled, true);
      assert.equal(byAction(menu, 'quit').enabled, true);
    }
  });

  test('the state line says the phase in words', () => {
    const line = (phase: SessionPhase) => (trayMenu(stateFor(phase))[0] as TrayMenuEntry).label;
    assert.equal(line('online'), 'Online');
    assert.equal(line('local'), 'Running locally');
    assert.equal(line('reconnecting'), 'Reconnecting…');
    assert.equal(line('tunnel-error'), 'Tunnel failed, serving locally');
    assert.equal(line('stopped'), 'Stopped');
  });

  test('online: the public URL is shown (disabled) and can be copied; Start is disabled', () => {
    const menu = trayMenu(stateFor('online'));
    assert.deepEqual(menu[1], { label: PUBLIC_URL, enabled: false, action: null });
    assert.equal(byAction(menu, 'copy-url').enabled, true);
    assert.equal(byAction(menu, 'self-test').enabled, true);
    assert.equal(byAction(menu, 'stop-cleanup').enabled, true);
    assert.equal(byAction(menu, 'start').enabled, false);
  });

  test('Copy Mirror URL and Self-test are disabled while there is no URL', () => {
    // The phases in which the real session has no URL to paste (test/fixtures/session-states.test.ts).
    for (const phase of ['stopped', 'starting', 'connecting', 'error'] as const) {
      assert.equal(stateFor(phase).connection.mirrorUrl, null, phase);
      assert.equal(enabled(phase, 'copy-url'), false, phase);
      assert.equal(enabled(phase, 'self-test'), false, phase);
    }
    // Reconnecting, the session keeps the URL already pasted into StackState: it can be copied again.
    assert.equal(stateFor('reconnecting').connection.mirrorUrl, PUBLIC_URL);
    assert.equal(enabled('reconnecting', 'copy-url'), true);
    // Stopping (from online), the URL is still shown; no self-test while busy.
    assert.equal(enabled('stopping', 'self-test'), false);
    // Serving locally (no tunnel, or the tunnel failed): the local URL is the one to use.
    assert.equal(enabled('local', 'copy-url'), true);
    assert.equal(enabled('tunnel-error', 'copy-url'), true);
    assert.deepEqual(trayMenu(stateFor('local'))[1], { label: LOCAL_URL, enabled: false, action: null });
  });

  test('Start only when stopped or failed; Stop & clean up except while stopping', () => {
    const startable = SESSION_PHASES.filter((phase) => enabled(phase, 'start'));
    assert.deepEqual(startable, ['stopped', 'error']);
    const cleanable = SESSION_PHASES.filter((phase) => enabled(phase, 'stop-cleanup'));
    assert.deepEqual(
      cleanable,
      SESSION_PHASES.filter((phase) => phase !== 'stopping'),
    );
  });

  test('the API key and connection details can always be copied', () => {
    for (const phase of SESSION_PHASES) {
      assert.equal(enabled(phase, 'copy-api-key'), true, phase);
      assert.equal(enabled(phase, 'copy-connection-details'), true, phase);
    }
  });
});

describe('tray tooltip and icon', () => {
  test('online: the state and the public URL', () => {
    assert.equal(trayTooltip(stateFor('online')), `StackState Mirror Tray: Online\n${PUBLIC_URL}`);
  });

  test('serving locally: the local URL; stopped: no URL', () => {
    assert.equal(trayTooltip(stateFor('local')), `StackState Mirror Tray: Running locally\n${LOCAL_URL}`);
    assert.equal(trayTooltip(stateFor('stopped')), 'StackState Mirror Tray: Stopped');
  });

  test('never longer than Windows allows', () => {
    const long = `https://${'a'.repeat(150)}.ngrok-free.app`;
    const state = stateFor('online', {
      tunnel: { kind: 'ngrok', status: { state: 'online', publicUrl: long }, publicUrl: long },
    });
    const tooltip = trayTooltip(state);
    assert.equal(tooltip.length, TOOLTIP_MAX);
    assert.ok(tooltip.endsWith('…'));
  });

  test('an icon per state', () => {
    const icons = Object.fromEntries(SESSION_PHASES.map((phase) => [phase, trayView(stateFor(phase)).icon]));
    assert.deepEqual(icons, {
      stopped: 'stopped',
      starting: 'reconnecting',
      local: 'local',
      connecting: 'reconnecting',
      online: 'online',
      reconnecting: 'reconnecting',
      'tunnel-error': 'error',
      error: 'error',
      stopping: 'stopped',
    });
  });

  test('icon files per platform: template images on macOS, .ico on Windows, PNG on Linux', () => {
    assert.equal(trayIconFile('online', 'darwin'), 'tray-onlineTemplate.png');
    assert.equal(trayIconFile('online', 'win32'), 'tray-online.ico');
    assert.equal(trayIconFile('online', 'linux'), 'tray-online.png');
  });
});

describe('desktop notifications', () => {
  test('StackState connecting for the first time', () => {
    const before = stateFor('online');
    const after = stateFor('online', {
      milestones: { ...before.milestones, firstTestConnection: Date.now() },
    });
    assert.deepEqual(noticesFor(before, after), [
      {
        title: 'StackState connected',
        body: `StackState reached the mirror at ${PUBLIC_URL} (Test Connection).`,
      },
    ]);
    // Only the first time.
    assert.deepEqual(noticesFor(after, after), []);
  });

  test('the tunnel failing, once, with the plain-language message', () => {
    const failed = stateFor('tunnel-error');
    assert.deepEqual(noticesFor(stateFor('connecting'), failed), [
      { title: 'The tunnel failed', body: failed.message },
    ]);
    assert.deepEqual(noticesFor(failed, failed), []);
    assert.deepEqual(noticesFor(null, failed).length, 1);
  });

  test('ordinary changes are quiet', () => {
    assert.deepEqual(noticesFor(stateFor('starting'), stateFor('connecting')), []);
    assert.deepEqual(noticesFor(stateFor('connecting'), stateFor('online')), []);
  });
});

describe('tray actions (with stand-ins for the clipboard and the session)', () => {
  /** Stand-in for Electron's clipboard: remembers the last text. */
  class StandInClipboard {
    text = '';
    writeText(text: string) {
      this.text = text;
    }
  }

  function standIns(phase: SessionPhase) {
    const calls: string[] = [];
    const clipboard = new StandInClipboard();
    const notices: { title: string; body: string }[] = [];
    const report: CleanupReport = {
      at: 1,
      steps: [{ what: 'Tunnel closed', ok: true, detail: 'closed' }],
      remainingInStackState: [],
    };
    const selfTest: SelfTestResult = {
      ok: true,
      url: PUBLIC_URL,
      mirrorUrl: PUBLIC_URL,
      reach: 'as-stackstate',
      status: 200,
      durationMillis: 80,
      keyHeaderMatches: true,
      message: `${PUBLIC_URL} answered Test Connection in 80 ms with the right API key.`,
    };
    const deps: TrayActionDeps = {
      state: () => stateFor(phase),
      clipboard,
      session: {
        start: async () => calls.push('start'),
        cleanup: async () => {
          calls.push('cleanup');
          return report;
        },
        selfTest: async () => {
          calls.push('self-test');
          return selfTest;
        },
      },
      showWindow: () => calls.push('show'),
      notify: (notice) => notices.push(notice),
      quit: () => calls.push('quit'),
    };
    return { deps, calls, clipboard, notices };
  }

  test('Copy actions put the value on the clipboard', async () => {
    const { deps, clipboard } = standIns('online');
    await runTrayAction('copy-url', deps);
    assert.equal(clipboard.text, PUBLIC_URL);
    await runTrayAction('copy-api-key', deps);
    assert.equal(clipboard.text, API_KEY);
    await runTrayAction('copy-connection-details', deps);
    assert.equal(clipboard.text, '{}');
  });

  test('Copy Mirror URL without a URL leaves the clipboard alone', async () => {
    const { deps, clipboard } = standIns('connecting');
    clipboard.text = 'before';
    await runTrayAction('copy-url', deps);
    assert.equal(clipboard.text, 'before');
  });

  test('Stop & clean up reports and shows the window (it lists what is left in StackState)', async () => {
    const { deps, calls, notices } = standIns('online');
    await runTrayAction('stop-cleanup', deps);
    assert.deepEqual(calls, ['cleanup', 'show']);
    assert.equal(notices[0]?.title, 'Stopped and cleaned up');
  });

  test('Self-test reports its result; Start, Show and Quit call through', async () => {
    const { deps, calls, notices } = standIns('online');
    await runTrayAction('self-test', deps);
    assert.equal(notices[0]?.title, 'Self-test passed');
    await runTrayAction('start', deps);
    await runTrayAction('show', deps);
    await runTrayAction('quit', deps);
    assert.deepEqual(calls, ['self-test', 'start', 'show', 'quit']);
  });

  test('a local-only self-test that the mirror passed is titled as such, not as a failure', async () => {
    const { deps, notices } = standIns('online');
    const local = {
      ok: false,
      url: 'http://127.0.0.1:7007/',
      mirrorUrl: 'http://host.docker.internal:7007/',
      reach: 'this-machine' as const,
      status: 200,
      durationMillis: 3,
      keyHeaderMatches: true,
      message: 'Not a test of the Mirror URL: …',
    };
    deps.session.selfTest = async () => local;
    await runTrayAction('self-test', deps);
    deps.session.selfTest = async () => ({ ...local, status: null, keyHeaderMatches: false });
    await runTrayAction('self-test', deps);
    assert.deepEqual(
      notices.map((notice) => notice.title),
      ['Mirror answers (local check only)', 'Self-test failed'],
    );
  });

  test('a failing action becomes a notification, not an exception', async () => {
    const { deps, notices } = standIns('online');
    deps.session.start = async () => {
      throw new Error('port 7007 is in use');
    };
    await runTrayAction('start', deps);
    assert.deepEqual(notices, [{ title: 'That did not work', body: 'port 7007 is in use' }]);
  });
});
