// Where each listener really listens, read from the operating system's socket table
// (test/os-sockets.ts), never from the code's own variables: the control API and, with default
// settings, the mirror's two ports must be reachable from this machine only.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalForwarderTunnel } from '../server/tunnel/local-forwarder';
import { startTestRuntime, waitForPhase } from './fixtures/runtime';
import { listeningAddresses, NO_SOCKET_TABLE } from './os-sockets';

const canReadSocketTable = (await listeningAddresses(1)) !== null;

describe('bound addresses, from the OS socket table', {
  skip: canReadSocketTable ? false : NO_SOCKET_TABLE,
}, () => {
  test('control API, mirror main port (default settings) and tunnel-only port listen on 127.0.0.1 only', async (t) => {
    // Default settings, except a free port; the stand-in tunnel only records the tunnel-only port.
    const { runtime, tunnelTargets, tunnels } = await startTestRuntime(t, {
      makeTunnel: () => new LocalForwarderTunnel(),
    });
    const { session, control } = runtime;
    await waitForPhase(session, ['online']);
    const mirrorPort = session.state.mirror.port;
    const tunnelPort = tunnelTargets[0];
    const forwarderPort = (tunnels[0] as LocalForwarderTunnel).port;
    assert.ok(mirrorPort && tunnelPort && forwarderPort, 'every listener is up');
    const listeners = {
      'the control API': control.port,
      'the mirror main port (default settings)': mirrorPort,
      'the mirror tunnel-only port': tunnelPort,
      'the local stand-in tunnel': forwarderPort,
    };
    for (const [name, port] of Object.entries(listeners)) {
      const addresses = await listeningAddresses(port);
      assert.deepEqual(
        addresses,
        ['127.0.0.1'],
        `broken promise: ${name} (port ${port}) must listen on 127.0.0.1 only; the OS says ${JSON.stringify(addresses)}`,
      );
    }
  });
});
