// What StandInElectron saw the app do, for the test's snapshots.
export const recorded = {
  notifications: [],
  errorBoxes: [],
  messageBoxes: [],
  dock: { visible: true, hides: 0, shows: 0, ignoredHides: 0 },
  openedExternally: [],
  applicationMenu: null,
  sandbox: { noSandboxAtStart: false, enableSandboxCalled: false },
  /** The code app.exit() was called with, as soon as it is called; null before. */
  exitCode: null,
};

/** Which way the window's renderers would run, from the command line and app.enableSandbox(). */
export function renderersSandbox() {
  const { noSandboxAtStart, enableSandboxCalled } = recorded.sandbox;
  if (noSandboxAtStart)
    return enableSandboxCalled ? 'mixed (zygote unsandboxed, switch removed)' : 'unsandboxed';
  return enableSandboxCalled ? 'sandboxed' : 'per-window';
}
