// The self-test: call Test Connection through the URL StackState will use, and check what
// StackState checks: HTTP 200, status OK, and this mirror's key in X-MIRROR-API-KEY.
import type { SelfTestResult } from '../control/contract';
import { API_KEY_HEADER } from '../mirror/protocol';

/** Requests the app makes itself (self-test, replay) carry this header, so they tick no milestone. */
export const SELF_REQUEST_HEADER = 'x-mirror-tray-self-request';

/** The self-test's answer when there is no mirror to test. */
export const mirrorNotRunning = (): SelfTestResult => ({
  ok: false,
  url: null,
  status: null,
  durationMillis: null,
  keyHeaderMatches: false,
  message: 'The mirror is not running.',
});

export async function runSelfTest(options: {
  /** The URL to paste into StackState. */
  mirrorUrl: string;
  /** The mirror's local URL: used instead of host.docker.internal, which resolves only inside Docker. */
  localUrl: string;
  /** The key to paste, read after the answer: an upstream mirror's key is learned from that answer. */
  apiKey: string | (() => string);
  timeoutMillis: number;
  /** The one-off SELF_REQUEST_HEADER value that marks this request as the self-test in the log. */
  marker: string;
}): Promise<SelfTestResult> {
  const { apiKey, timeoutMillis } = options;
  const target = options.mirrorUrl.includes('host.docker.internal') ? options.localUrl : options.mirrorUrl;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(new URL('api/connection', target), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SELF_REQUEST_HEADER]: options.marker },
      body: JSON.stringify({ _type: 'TestConnectionRequest', connectionDetails: {} }),
      signal: AbortSignal.timeout(timeoutMillis),
    });
    const durationMillis = elapsed();
    const body = (await response.json().catch(() => null)) as { status?: unknown } | null;
    const keyHeaderMatches =
      response.headers.get(API_KEY_HEADER) === (typeof apiKey === 'function' ? apiKey() : apiKey);
    const ok = response.status === 200 && body?.status === 'OK' && keyHeaderMatches;
    const message = ok
      ? `${target} answered Test Connection in ${durationMillis} ms with the right API key.`
      : !keyHeaderMatches
        ? `${target} answered, but without this mirror's API key: is the URL pointing at another mirror?`
        : `${target} answered with HTTP ${response.status}; StackState would report a failure.`;
    return { ok, url: target, status: response.status, durationMillis, keyHeaderMatches, message };
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMillis / 1000} s`
        : (error as Error).message;
    return {
      ok: false,
      url: target,
      status: null,
      durationMillis: elapsed(),
      keyHeaderMatches: false,
      message: `Could not reach ${target}: ${reason}.`,
    };
  }
}
