// The ngrok child process. `ngrok.forward()` has no time-out and cannot be cancelled, so it runs
// here, where NgrokTunnel can always kill it. The config, authtoken included, arrives over IPC
// (never argv or env, where `ps` or a crash dump would show it). Everything this process sends or
// could print goes through `redact`, because ngrok echoes a bad token back in its error messages.
import type { Config, Listener } from '@ngrok/ngrok';
import { type ChildMessage, type NgrokChildConfig, parseParentMessage, redact } from './ngrok-protocol';

type NgrokModule = typeof import('@ngrok/ngrok');

const secrets: string[] = [];
if (process.env.NGROK_AUTHTOKEN) secrets.push(process.env.NGROK_AUTHTOKEN);

let ngrok: NgrokModule | null = null;
let listener: Listener | null = null;
let started = false;
let shuttingDown = false;

function send(message: ChildMessage): void {
  if (!process.connected || !process.send) return;
  process.send(
    message.type === 'error' ? { ...message, message: redact(message.message, secrets) } : message,
  );
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The SDK sets `errorCode` on its errors when ngrok's answer carried one; else look in the text. */
function codeOf(error: unknown): string | null {
  if (typeof error === 'object' && error !== null && 'errorCode' in error) {
    const { errorCode } = error;
    if (typeof errorCode === 'string') return errorCode;
  }
  return /ERR_NGROK_\d+/.exec(messageOf(error))?.[0] ?? null;
}

function forwardConfig(config: NgrokChildConfig): Config {
  return {
    addr: config.addr,
    ...(config.authtoken ? { authtoken: config.authtoken } : { authtoken_from_env: true }),
    ...(config.domain ? { domain: config.domain } : {}),
    ...(config.allowCidrs.length > 0 ? { ip_restriction_allow_cidrs: config.allowCidrs } : {}),
    ...(config.serverAddr ? { server_addr: config.serverAddr } : {}),
    // The SDK reconnects by itself after a drop; the parent decides how long to wait for that.
    onStatusChange: (status: string) => {
      if (status === 'connected') send({ type: 'status', status: 'connected' });
      else if (status === 'closed') send({ type: 'status', status: 'disconnected' });
    },
  };
}

async function start(config: NgrokChildConfig): Promise<void> {
  if (config.authtoken) secrets.push(config.authtoken);
  try {
    ngrok = await import('@ngrok/ngrok');
  } catch (error) {
    // In a package, the native module must sit outside the asar archive; say so rather than crash.
    send({ type: 'error', code: 'ERR_TUNNEL_NGROK_MODULE', message: messageOf(error) });
    return;
  }
  try {
    listener = await ngrok.forward(forwardConfig(config));
    if (shuttingDown) return;
    const url = listener.url();
    if (url) send({ type: 'online', url });
    else send({ type: 'error', code: null, message: 'ngrok opened a listener without a public URL' });
  } catch (error) {
    send({ type: 'error', code: codeOf(error), message: messageOf(error) });
  }
}

const pause = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

/** Tells ngrok we are leaving, so it frees the session at once (the free plan allows one), then exits. */
async function shutdown(exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  const goodbye = listener ? listener.close() : ngrok ? ngrok.disconnect() : Promise.resolve();
  await Promise.race([goodbye.catch(() => undefined), pause(1500)]);
  process.exit(exitCode);
}

function fail(error: unknown): void {
  send({ type: 'error', code: null, message: `ngrok helper failed: ${messageOf(error)}` });
  void shutdown(1);
}

if (!process.send) {
  process.stderr.write('ngrok-child is started by NgrokTunnel: it needs an IPC channel.\n');
  process.exit(2);
}

process.on('message', (raw: unknown) => {
  const message = parseParentMessage(raw);
  if (message?.type === 'start' && !started) {
    started = true;
    void start(message.config);
  } else if (message?.type === 'close') {
    void shutdown(0);
  }
});
// The parent went away (closed us, quit or crashed): never outlive it.
process.on('disconnect', () => void shutdown(0));
// Never let Node print an error with its message: ngrok's may contain the token.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
