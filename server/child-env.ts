// The environment a child process is started with (ss, lsof, netstat, tasklist; the ngrok child,
// which adds NGROK_AUTHTOKEN back): this app's, less every variable that names a secret (the ngrok
// authtoken, the data source's password, bearer token and secret headers), which a program asked
// who holds a port has no business seeing. A list of what to drop rather than of what to keep: on
// Windows, netstat and tasklist need variables (SystemRoot, PATHEXT …) that vary by version.

const SECRET_NAME = /token|secret|password|passwd|credential|api_?key|auth/i;

export function withoutSecretVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!SECRET_NAME.test(name)) kept[name] = value;
  return kept;
}
