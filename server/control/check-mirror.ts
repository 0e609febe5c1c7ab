// The window's "Check a mirror" panel: the same checks as `npm run check` (server/check/check-run.ts),
// for a URL the user typed. The control API is loopback-only behind its token; the checks call only
// the URL given, with StackState's requests, each bounded by the UI time-out.
import { runChecks } from '../check/check-run';
import type { CheckMirrorRequest, CheckMirrorResult } from '../contract/contract';
import { ActionError } from '../session';
import { checkUpstreamUrl } from '../telemetry/upstream';

/** StackState's "Request timeout ui". */
const CHECK_TIMEOUT_MILLIS = 15_000;

/** `headers` go on every request the checks send (the session's marker, to log them as a Check run). */
export async function checkMirrorFromUi(
  request: CheckMirrorRequest,
  headers: Record<string, string> = {},
): Promise<CheckMirrorResult> {
  const problem = checkUpstreamUrl(request.url);
  if (problem) throw new ActionError(`The mirror URL ${problem}.`);
  let connectionDetails: unknown = {};
  if (request.connectionDetails !== undefined && request.connectionDetails.trim() !== '') {
    try {
      connectionDetails = JSON.parse(request.connectionDetails);
    } catch {
      throw new ActionError('The connection details must be JSON, e.g. {}.');
    }
  }
  if (typeof connectionDetails !== 'object' || connectionDetails === null || Array.isArray(connectionDetails))
    throw new ActionError('The connection details must be a JSON object, e.g. {}.');
  return runChecks(request.url, {
    apiKey: request.apiKey?.trim() ? request.apiKey.trim() : null,
    connectionDetails: connectionDetails as Record<string, unknown>,
    timeoutMillis: CHECK_TIMEOUT_MILLIS,
    headers,
  });
}
