import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  navigationDecision,
  permissionDecision,
  reportsWindowPosition,
  restoreBounds,
  WINDOW_HEIGHT,
  WINDOW_WIDTH,
  windowOpenDecision,
  windowOptions,
} from '../../electron/window-options';

const CONTROL = 'http://127.0.0.1:51234';
const UI_URL = `${CONTROL}/?token=abc123`;

describe('window options', () => {
  test('the page is isolated and sandboxed, with no Node and web security on', () => {
    const { webPreferences } = windowOptions();
    assert.equal(webPreferences?.contextIsolation, true);
    assert.equal(webPreferences?.sandbox, true);
    assert.equal(webPreferences?.nodeIntegration, false);
    assert.equal(webPreferences?.nodeIntegrationInSubFrames, false);
    assert.equal(webPreferences?.nodeIntegrationInWorker, false);
    assert.equal(webPreferences?.webSecurity, true);
    assert.equal(webPreferences?.allowRunningInsecureContent, false);
    assert.equal(webPreferences?.webviewTag, false);
    assert.equal(webPreferences?.preload, undefined);
  });

  test('a small window, hidden until ready to show', () => {
    const options = windowOptions();
    assert.equal(options.width, WINDOW_WIDTH);
    assert.equal(options.height, WINDOW_HEIGHT);
    assert.equal(WINDOW_WIDTH, 420);
    assert.equal(WINDOW_HEIGHT, 720);
    assert.equal(options.show, false);
    assert.equal(options.x, undefined);
  });

  test('remembered bounds are used', () => {
    const options = windowOptions({ bounds: { x: 100, y: 80, width: 480, height: 760 } });
    assert.deepEqual([options.x, options.y, options.width, options.height], [100, 80, 480, 760]);
  });
});

describe('navigation and new windows', () => {
  test('the control origin may be navigated (reload, another page of the UI)', () => {
    assert.deepEqual(navigationDecision(UI_URL, CONTROL), { allow: true, openExternal: null });
    assert.deepEqual(navigationDecision(`${CONTROL}/log?token=abc123`, CONTROL), {
      allow: true,
      openExternal: null,
    });
  });

  test('web links leave for the system browser; the window stays put', () => {
    assert.deepEqual(navigationDecision('https://dashboard.ngrok.com/get-started/your-authtoken', CONTROL), {
      allow: false,
      openExternal: 'https://dashboard.ngrok.com/get-started/your-authtoken',
    });
  });

  test('anything else is blocked: other ports, other hosts on loopback, file:, javascript:, garbage', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'data:text/html,<p>hi']) {
      assert.deepEqual(navigationDecision(url, CONTROL), { allow: false, openExternal: null }, url);
    }
    // Another local port (the mirror itself, or anything) is not the UI: not in this window.
    assert.equal(navigationDecision('http://127.0.0.1:7007/', CONTROL).allow, false);
    assert.equal(navigationDecision('http://localhost:51234/', CONTROL).allow, false);
  });

  test('window.open never makes an Electron window; web links go to the browser', () => {
    assert.deepEqual(windowOpenDecision('https://docs.stackstate.com/', CONTROL), {
      allow: false,
      openExternal: 'https://docs.stackstate.com/',
    });
    // The UI's own pages carry the per-launch token: never handed to another program.
    assert.deepEqual(windowOpenDecision(UI_URL, CONTROL), { allow: false, openExternal: null });
    assert.deepEqual(windowOpenDecision('file:///tmp/x.html', CONTROL), { allow: false, openExternal: null });
    assert.deepEqual(windowOpenDecision('smb://server/share', CONTROL), { allow: false, openExternal: null });
  });

  test('permissions: only clipboard writes, only from the UI', () => {
    assert.equal(permissionDecision('clipboard-sanitized-write', UI_URL, CONTROL), true);
    assert.equal(permissionDecision('clipboard-sanitized-write', 'https://evil.example/', CONTROL), false);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      assert.equal(permissionDecision(permission, UI_URL, CONTROL), false, permission);
    }
  });
});

describe('restoring the window where a display can show it', () => {
  const laptop = { x: 0, y: 0, width: 1440, height: 875 };
  const external = { x: 1440, y: 0, width: 2560, height: 1415 };

  test('bounds on a display are restored', () => {
    const saved = { x: 2000, y: 200, width: 420, height: 720 };
    assert.deepEqual(restoreBounds(saved, [laptop, external]), saved);
  });

  test('bounds on a display that is gone are dropped', () => {
    assert.equal(restoreBounds({ x: 2000, y: 200, width: 420, height: 720 }, [laptop]), null);
  });

  test('a window whose title bar is off-screen is dropped, one mostly on-screen is kept', () => {
    assert.equal(restoreBounds({ x: 100, y: -300, width: 420, height: 720 }, [laptop]), null);
    assert.deepEqual(restoreBounds({ x: -200, y: 10, width: 420, height: 720 }, [laptop]), {
      x: -200,
      y: 10,
      width: 420,
      height: 720,
    });
  });

  test('nonsense is ignored', () => {
    for (const saved of [undefined, null, 'x', { x: 1 }, { x: 0, y: 0, width: Number.NaN, height: 10 }]) {
      assert.equal(restoreBounds(saved, [laptop]), null);
    }
    assert.equal(restoreBounds({ x: 0, y: 0, width: 50, height: 50 }, [laptop]), null);
  });

  test('a size saved without a position (Wayland) is kept, and the window manager places the window', () => {
    assert.deepEqual(restoreBounds({ width: 460, height: 700 }, [laptop]), { width: 460, height: 700 });
    assert.equal(restoreBounds({ x: 10, width: 460, height: 700 }, [laptop]), null, 'half a position');
    const options = windowOptions({ bounds: { width: 460, height: 700 } });
    assert.deepEqual([options.x, options.y, options.width, options.height], [undefined, undefined, 460, 700]);
  });
});

describe('whether the window position can be read back', () => {
  test('not under native Wayland (Electron 38+ picks it in a Wayland session), yes under XWayland and X11', () => {
    const wayland = { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0' };
    assert.equal(reportsWindowPosition('linux', '', wayland), false);
    assert.equal(reportsWindowPosition('linux', '', { WAYLAND_DISPLAY: 'wayland-0' }), false);
    assert.equal(reportsWindowPosition('linux', 'wayland', {}), false);
    assert.equal(reportsWindowPosition('linux', 'x11', wayland), true);
    assert.equal(reportsWindowPosition('linux', '', { XDG_SESSION_TYPE: 'x11' }), true);
    assert.equal(reportsWindowPosition('darwin', '', wayland), true);
  });
});
