// The self-test: call Test Connection at the Mirror URL StackState is given, and check what
// StackState checks: HTTP 200, status OK, and this mirror's key in X-MIRROR-API-KEY. Where that URL
// cannot be called from this machine, the mirror is called locally instead and the result says so:
// it then proves that the mirror answers, not that StackState can reach it.
import type { SelfTestResult } from '../contract/contract';
import { API_KEY_HEADER } from '../protocol/messages';
import { whyUnreached } from '../telemetry/reach';
import { DOCKER_HOST_NAME } from '../tunnel/none';

/** Requests the app makes itself (self-test, replay) carry this header, so they tick no milestone. */
export const SELF_REQUEST_HEADER = 'x-mirror-tray-self-request';

/** The self-test's answer when there is no mirror to test; `why` is the session's own sentence. */
export const mirrorNotRunning = (why?: string): SelfTestResult => ({
  ok: false,
  url: null,
  mirrorUrl: null,
  reach: 'this-machine',
  status: null,
  durationMillis: null,
  keyHeaderMatches: false,
  message: why ? `Nothing was called: ${why}` : 'Nothing was called: the mirror is not running.',
});

export interface SelfTestOptions {
  /** The URL to paste into StackState. */
  mirrorUrl: string;
  /** The mirror's local URL: called when the Mirror URL cannot be called from here. */
  localUrl: string;
  /** The ngrok tunnel is wanted but not online: the Mirror URL shown is the local one. */
  tunnelDown?: boolean;
  /** The key to paste, read after the answer: an upstream mirror's key is learned from that answer. */
  apiKey: string | (() => string);
  timeoutMillis: number;
  /** The one-off SELF_REQUEST_HEADER value that marks this request as the self-test in the log. */
  marker: string;
}

/** Why the Mirror URL cannot stand for StackState's call from this machine, or null when it can. */
function whyOnlyLocal(options: SelfTestOptions): string | null {
  if (new URL(options.mirrorUrl).hostname === DOCKER_HOST_NAME) {
    return `${DOCKER_HOST_NAME} is a name only StackState's containers know, so this machine called ${options.localUrl} (the same port) instead`;
  }
  if (options.tunnelDown) {
    return `the ngrok tunnel is not online, so there is no public URL: a StackState on another machine cannot reach the mirror now. This machine called ${options.localUrl}`;
  }
  return null;
}

export async function runSelfTest(options: SelfTestOptions): Promise<SelfTestResult> {
  const { apiKey, timeoutMillis, mirrorUrl } = options;
  const onlyLocal = whyOnlyLocal(options);
  const target = onlyLocal === null ? mirrorUrl : options.localUrl;
  const reach = onlyLocal === null ? 'as-stackstate' : 'this-machine';
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
    const answered = response.status === 200 && body?.status === 'OK' && keyHeaderMatches;
    const verdict = answered
      ? `${target} answered Test Connection in ${durationMillis} ms with the right API key`
      : !keyHeaderMatches
        ? `${target} answered, but without this mirror's API key: is the URL pointing at another mirror?`
        : `${target} answered with HTTP ${response.status}; StackState would report a failure`;
    const message =
      onlyLocal === null
        ? `${verdict}.`
        : `Not a test of the Mirror URL: ${onlyLocal}. ${verdict}${
            answered
              ? ', which proves the mirror works, not that StackState can reach it. Press TEST CONNECTION in StackState for that.'
              : '.'
          }`;
    return {
      ok: answered && onlyLocal === null,
      url: target,
      mirrorUrl,
      reach,
      status: response.status,
      durationMillis,
      keyHeaderMatches,
      message,
    };
  } catch (error) {
    const plain =
      (error as Error).name === 'TimeoutError'
        ? null
        : (await whyUnreached(new URL(target), error))?.sentence;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `Could not reach ${target}: no answer within ${timeoutMillis / 1000} s.`
        : (plain ?? `Could not reach ${target}: ${(error as Error).message}.`);
    const prefix = onlyLocal === null ? '' : `Not a test of the Mirror URL: ${onlyLocal}. `;
    return {
      ok: false,
      url: target,
      mirrorUrl,
      reach,
      status: null,
      durationMillis: elapsed(),
      keyHeaderMatches: false,
      message: `${prefix}${reason}`,
    };
  }
}
