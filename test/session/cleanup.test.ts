// Clean-up on its own: real listeners for the port checks, stand-ins for everything else, and
// failures of every kind, none of which may escape as a throw.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, test } from 'node:test';
import type { CleanupStep } from '../../server/contract/contract';
import {
  attempt,
  type CleanupParts,
  cleanUp,
  cleanupMessage,
  REMAINING_IN_STACKSTATE,
  stopMirror,
} from '../../server/session/cleanup';

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A running "mirror" of two real listeners, and parts that record what clean-up asked of them. */
async function partsWith(overrides: Partial<CleanupParts> = {}) {
  const main = await listening();
  const tunnelOnly = await listening();
  const calls: string[] = [];
  let logSize = 3;
  const parts: CleanupParts = {
    mirror: { host: '127.0.0.1', port: main.port, tunnelPort: tunnelOnly.port },
    closeTunnel: async () => {
      calls.push('closeTunnel');
      return { what: 'Tunnel closed', ok: true, detail: 'The local forwarder is closed.' };
    },
    closeMirror: async () => {
      calls.push('closeMirror');
      await Promise.all([close(main.server), close(tunnelOnly.server)]);
      return { what: 'Mirror stopped', ok: true, detail: `The mirror on port ${main.port} is closed.` };
    },
    log: {
      get size() {
        return logSize;
      },
      clear: () => {
        calls.push('clearLog');
        logSize = 0;
      },
    },
    forgetRun: () => calls.push('forgetRun'),
    forgetSettings: async () => {
      calls.push('forgetSettings');
    },
    forgetAuthtoken: async () => {
      calls.push('forgetAuthtoken');
      return true;
    },
    authtokenInEnvironment: false,
    ...overrides,
  };
  return { parts, calls, main, tunnelOnly };
}

const whats = (steps: CleanupStep[]) => steps.map((step) => `${step.ok ? 'ok' : 'FAILED'} ${step.what}`);

test('closes tunnel then mirror, checks both ports, clears the log, and says what is left in StackState', async () => {
  const { parts, calls, main, tunnelOnly } = await partsWith();
  const report = await cleanUp(parts);
  assert.deepEqual(whats(report.steps), [
    'ok Tunnel closed',
    'ok Mirror stopped',
    `ok Mirror port ${main.port} is free`,
    `ok Tunnel-only port ${tunnelOnly.port} is free`,
    'ok Request log cleared',
  ]);
  assert.equal(report.steps.at(-1)?.detail, '3 exchanges forgotten.');
  assert.deepEqual(calls, ['closeTunnel', 'closeMirror', 'clearLog', 'forgetRun']);
  assert.deepEqual(report.remainingInStackState, REMAINING_IN_STACKSTATE);
  assert.equal(
    cleanupMessage(report),
    'Stopped and cleaned up. Now remove the stream and the Mirror data source in StackState.',
  );
});

test('a port something still listens on is a failed step, and the message names it', async () => {
  const { parts, main, tunnelOnly } = await partsWith();
  // The mirror closes its main listener only: the tunnel-only port stays taken.
  parts.closeMirror = async () => {
    await close(main.server);
    return { what: 'Mirror stopped', ok: true, detail: `The mirror on port ${main.port} is closed.` };
  };
  const report = await cleanUp(parts);
  assert.deepEqual(report.steps.slice(2, 4), [
    { what: `Mirror port ${main.port} is free`, ok: true, detail: 'Nothing listens on it any more.' },
    {
      what: `Tunnel-only port ${tunnelOnly.port} is free`,
      ok: false,
      detail: 'Something still listens on it.',
    },
  ]);
  assert.equal(
    cleanupMessage(report),
    `Stopped, but these clean-up steps need a look: Tunnel-only port ${tunnelOnly.port} is free (see the report).`,
  );
});

test('another process that took the mirror port (on every address) makes clean-up say the port is not free', async (t) => {
  const { parts, main, tunnelOnly } = await partsWith();
  // The mirror closes; before the check, another program grabs its main port on 0.0.0.0.
  let other: ChildProcess | null = null;
  t.after(() => other?.kill('SIGKILL'));
  parts.closeMirror = async () => {
    await Promise.all([close(main.server), close(tunnelOnly.server)]);
    other = spawn(
      process.execPath,
      [
        '-e',
        `require('net').createServer().listen({ port: ${main.port}, host: '0.0.0.0' }, () => console.log('listening'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await Promise.race([
      once(other.stdout!, 'data'),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('the other process did not listen within 5 s')), 5000),
      ),
    ])) as [Buffer];
    assert.equal(line.toString().trim(), 'listening');
    return { what: 'Mirror stopped', ok: true, detail: `The mirror on port ${main.port} is closed.` };
  };
  const report = await cleanUp(parts);
  const step = report.steps.find((each) => each.what === `Mirror port ${main.port} is free`);
  assert.deepEqual(
    step,
    { what: `Mirror port ${main.port} is free`, ok: false, detail: 'Something still listens on it.' },
    `broken promise: clean-up says whether the mirror port is free, but it called port ${main.port} free while another process listens on it`,
  );
  assert.match(cleanupMessage(report), new RegExp(`need a look: Mirror port ${main.port} is free`));
});

test('no mirror running: no port checks, and the tunnel step says there was none', async () => {
  const { parts } = await partsWith({
    mirror: null,
    closeTunnel: async () => ({ what: 'Tunnel closed', ok: true, detail: 'No tunnel was open.' }),
    closeMirror: async () => null,
  });
  const report = await cleanUp(parts);
  assert.deepEqual(whats(report.steps), ['ok Tunnel closed', 'ok Request log cleared']);
});

test('forgetting the authtoken: done, none saved, or failed; NGROK_AUTHTOKEN is called out', async () => {
  const done = await cleanUp((await partsWith()).parts, { forgetAuthtoken: true });
  assert.deepEqual(done.steps.at(-1), {
    what: 'ngrok authtoken forgotten',
    ok: true,
    detail: 'The saved authtoken was deleted.',
  });

  const none = await cleanUp((await partsWith({ forgetAuthtoken: async () => false })).parts, {
    forgetAuthtoken: true,
  });
  assert.equal(none.steps.at(-1)?.detail, 'No authtoken was saved.');

  const { parts } = await partsWith({
    forgetAuthtoken: async () => {
      throw new Error('Could not save the settings: the disk is full.');
    },
    authtokenInEnvironment: true,
  });
  const failed = await cleanUp(parts, { forgetAuthtoken: true });
  assert.deepEqual(failed.steps.slice(-2), [
    {
      what: 'ngrok authtoken forgotten',
      ok: false,
      detail: 'Could not save the settings: the disk is full.',
    },
    {
      what: 'NGROK_AUTHTOKEN is still set',
      ok: false,
      detail: 'The environment variable NGROK_AUTHTOKEN still holds a token; unset it to forget it too.',
    },
  ]);
  assert.match(
    cleanupMessage(failed),
    /need a look: ngrok authtoken forgotten; NGROK_AUTHTOKEN is still set \(see the report\)/,
  );
});

test('forgetting the settings covers the authtoken: one step, no second', async () => {
  const { parts, calls } = await partsWith({ authtokenInEnvironment: true });
  const report = await cleanUp(parts, { forgetSettings: true, forgetAuthtoken: true });
  assert.deepEqual(report.steps.at(-1), {
    what: 'Settings forgotten',
    ok: true,
    detail: 'Settings, API key and authtoken reset to defaults.',
  });
  assert.ok(!calls.includes('forgetAuthtoken'));
});

test('a part that throws ends the clean-up early with a step that says so, never a throw', async () => {
  const { parts, calls } = await partsWith({
    closeMirror: async () => {
      throw new Error('the socket table is gone');
    },
  });
  const report = await cleanUp(parts);
  assert.deepEqual(report.steps.at(-1), {
    what: 'Clean-up',
    ok: false,
    detail: 'Stopped early: the socket table is gone',
  });
  assert.deepEqual(calls, ['closeTunnel']);
  assert.match(cleanupMessage(report), /need a look: Clean-up/);
});

test('attempt records a step as it went; stopMirror reports a mirror that would not close', async () => {
  const steps: CleanupStep[] = [];
  await attempt(steps, 'First', async () => 'done');
  await attempt(steps, 'Second', async () => {
    throw new Error('no');
  });
  assert.deepEqual(steps, [
    { what: 'First', ok: true, detail: 'done' },
    { what: 'Second', ok: false, detail: 'no' },
  ]);
  assert.deepEqual(await stopMirror({ port: 7007, close: async () => {} }), {
    what: 'Mirror stopped',
    ok: true,
    detail: 'The mirror on port 7007 is closed.',
  });
  const stuck = await stopMirror({
    port: 7007,
    close: async () => {
      throw new Error('close timed out');
    },
  });
  assert.deepEqual(stuck, { what: 'Mirror stopped', ok: false, detail: 'close timed out' });
});
