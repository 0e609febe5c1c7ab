// Test Connection for Prometheus and its kin. The authority is the query API itself: an instant
// query of `1`, which Prometheus, Mimir, Cortex, Thanos and VictoriaMetrics all answer when they
// can serve queries. Readiness pages differ between them (Prometheus and Thanos `/-/ready`, Mimir
// and Cortex `/ready`, VictoriaMetrics `/health`), so they are only asked when the query fails, to
// say why in the backend's own words. Every call goes on Test Connection's own lane
// (backend.ts), so it never waits behind metric queries.
import type { TestConnectionResponse } from '../protocol/messages';
import {
  apiGetForConnection,
  getPlain,
  PrometheusNotReady,
  type PrometheusTarget,
  shownUrl,
} from './prometheus-client';
import { type SourceContext, TelemetryError } from './source';

/** Readiness pages, in the order they are tried: under the URL's path first, then at its root. */
export const READINESS_PATHS = ['-/ready', '/ready', '/-/ready', '/health'] as const;

const failure = (details: string): TestConnectionResponse => ({
  _type: 'TestConnectionResponse',
  status: 'FAILURE',
  error: { _type: 'MetricStoreConnectionError', details },
});

export async function testConnection(
  target: PrometheusTarget,
  context: SourceContext,
): Promise<TestConnectionResponse> {
  try {
    await apiGetForConnection(target, 'query', new URLSearchParams({ query: '1' }), context);
    return { _type: 'TestConnectionResponse', status: 'OK' };
  } catch (error) {
    if (context.signal.aborted || !(error instanceof TelemetryError)) throw error;
    const { body } = error;
    // Refused (credentials, tenant) or not reached: the query's own message says it.
    if (body._type === 'MetricStoreConnectionError' && !(error instanceof PrometheusNotReady)) {
      return failure(body.details);
    }
    const problem =
      body._type === 'RemoteMirrorError' && typeof body.details === 'string'
        ? `${body.summary} ${body.details}`
        : error.message;
    const hint = await readinessHint(target, context);
    return failure(hint ? `${problem.replace(/\.$/, '')}; ${hint}.` : problem);
  }
}

/** What the first readiness page that exists says, or null when none does. */
async function readinessHint(target: PrometheusTarget, context: SourceContext): Promise<string | null> {
  const tried = new Set<string>();
  for (const path of READINESS_PATHS) {
    const url = new URL(path, target.base);
    if (tried.has(url.href)) continue;
    tried.add(url.href);
    let answer: { status: number; text: string };
    try {
      answer = await getPlain(target, url, context);
    } catch (error) {
      if (context.signal.aborted) throw error;
      return null;
    }
    if (answer.status === 404 || answer.status === 405) continue;
    const where = `${url.pathname}`;
    const said = answer.text.trim().split('\n')[0]?.slice(0, 120) ?? '';
    if (answer.status === 200) {
      return `its readiness page (${where}) says it is ready, so ${shownUrl(target)} may not be the address of its query API`;
    }
    return `its readiness page (${where}) says it is not ready (HTTP ${answer.status}${said ? `: ${said}` : ''})`;
  }
  return null;
}
