// Finding a tray host (a StatusNotifierWatcher) on a real, private D-Bus session bus.
import assert from 'node:assert/strict';
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

  test("the bus address: the environment's, else systemd's user socket", () => {
    assert.equal(sessionBusAddress({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' }), 'unix:path=/x');
    assert.equal(sessionBusAddress({ XDG_RUNTIME_DIR: '/nonexistent' }), null);
    assert.equal(sessionBusAddress({}), null);
  });
});
