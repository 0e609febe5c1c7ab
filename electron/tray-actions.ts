// What each tray menu action does, with everything it touches passed in: main.ts hands it
// Electron's clipboard and the real session; the tests hand it named stand-ins. No electron import.
import type { CleanupReport, SelfTestResult, SessionState } from '../server/contract/contract';
import type { DesktopNotice } from './notifications';
import type { TrayAction } from './tray-menu';

export interface TrayActionDeps {
  /** The session's current state (read at the moment of the click). */
  state(): SessionState;
  clipboard: { writeText(text: string): void };
  session: {
    start(): Promise<unknown>;
    cleanup(): Promise<CleanupReport>;
    selfTest(): Promise<SelfTestResult>;
  };
  showWindow(): void;
  notify(notice: DesktopNotice): void;
  quit(): void;
}

/** Runs one action; resolves when it is done. Failures become a notification, never a throw. */
export async function runTrayAction(action: TrayAction, deps: TrayActionDeps): Promise<void> {
  const state = deps.state();
  try {
    switch (action) {
      case 'show':
        deps.showWindow();
        return;
      case 'copy-url':
        if (state.connection.mirrorUrl) deps.clipboard.writeText(state.connection.mirrorUrl);
        return;
      case 'copy-api-key':
        if (state.connection.apiKey) deps.clipboard.writeText(state.connection.apiKey);
        return;
      case 'copy-connection-details':
        deps.clipboard.writeText(state.connection.connectionDetails);
        return;
      case 'self-test': {
        const result = await deps.session.selfTest();
        deps.notify({ title: selfTestTitle(result), body: result.message });
        return;
      }
      case 'stop-cleanup': {
        const report = await deps.session.cleanup();
        deps.notify(cleanupNotice(report));
        // The window lists what is left to do in StackState.
        deps.showWindow();
        return;
      }
      case 'start':
        await deps.session.start();
        return;
      case 'quit':
        deps.quit();
        return;
    }
  } catch (error) {
    deps.notify({ title: 'That did not work', body: (error as Error).message });
  }
}

/** A local-only check that the mirror passed is neither a pass (StackState's path was not tried) nor a failure. */
export function selfTestTitle(result: SelfTestResult): string {
  if (result.ok) return 'Self-test passed';
  const answeredLocally = result.reach === 'this-machine' && result.status === 200 && result.keyHeaderMatches;
  return answeredLocally ? 'Mirror answers (local check only)' : 'Self-test failed';
}

export function cleanupNotice(report: CleanupReport): DesktopNotice {
  const failed = report.steps.filter((step) => !step.ok);
  return failed.length === 0
    ? {
        title: 'Stopped and cleaned up',
        body: 'Nothing is listening any more. The window lists what is left to remove in StackState.',
      }
    : {
        title: 'Stopped, with problems',
        body: failed.map((step) => `${step.what}: ${step.detail}`).join(' '),
      };
}
