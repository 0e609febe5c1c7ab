// Finding a tray host (a StatusNotifierWatcher) on a real, private D-Bus session bus.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findTrayHost, sessionBusAddress } from '../../electron/tray-host';
import { privateSessionBus } from './session-bus';

describe('the tray host, asked on the session bus', () => {
  let bus: Awaited<ReturnType<typeof privateSessionBus>>;
  before(async () => {
    bus = await privateSessionBus();
  });
  after(() => bus.stop());

  test('absent where nothing owns org.kde.StatusNotifierWatcher', async () => {
    assert.equal(
      await findTrayHost({ PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: bus.address }),
      'absent',
    );
  });

  test('present where the name is owned (the bus itself owns org.freedesktop.DBus)', async () => {
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: bus.address };
    assert.equal(await findTrayHost(env, 1500, 'org.freedesktop.DBus'), 'present');
  });

  test('unknown where there is no bus to ask, or it does not answer', async () => {
    assert.equal(await findTrayHost({ PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: '' }), 'unknown');
    const gone = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    assert.equal(await findTrayHost(gone), 'unknown');
    assert.equal(
      await findTrayHost({ PATH: '/nonexistent', DBUS_SESSION_BUS_ADDRESS: bus.address }),
      'unknown',
    );
  });

  test('dbus-send gets the bus address and its PATH, never the rest of the environment (the ngrok authtoken)', async () => {
    // A stand-in dbus-send (a real child process) that writes down the environment it was given.
    const dir = await mkdtemp(join(tmpdir(), 'tray-host-'));
    const seen = join(dir, 'environment');
    const script = join(dir, 'dbus-send');
    await writeFile(script, `#!/bin/sh\n/usr/bin/env > '${seen}'\necho '   boolean true'\n`);
    await chmod(script, 0o755);
    const env = {
      PATH: dir,
      DBUS_SESSION_BUS_ADDRESS: bus.address,
      NGROK_AUTHTOKEN: 'tray-host-test-secret',
      SOME_OTHER_SETTING: 'x',
    };
    try {
      assert.equal(await findTrayHost(env), 'present');
      const given = (await readFile(seen, 'utf8')).split('\n').filter((line) => line !== '');
      // Names only in a failure's message: the values given could be secrets.
      const names = given.map((line) => line.split('=')[0]).join(', ');
      assert.ok(given.includes(`DBUS_SESSION_BUS_ADDRESS=${bus.address}`), names);
      assert.ok(
        !given.some((line) => line.startsWith('NGROK_AUTHTOKEN=')),
        'the authtoken reached dbus-send',
      );
      assert.ok(!given.some((line) => line.startsWith('SOME_OTHER_SETTING=')), names);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the bus address: the environment's, else systemd's user socket", () => {
    assert.equal(sessionBusAddress({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' }), 'unix:path=/x');
    assert.equal(sessionBusAddress({ XDG_RUNTIME_DIR: '/nonexistent' }), null);
    assert.equal(sessionBusAddress({}), null);
  });
});
