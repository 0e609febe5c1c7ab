// Settings → Data source → Test: asks a data source, as it stands in the form (saved or not), what
// StackState's Test Connection would get, without saving it and without touching the running mirror.
import type { DataSourceTestResult } from '../contract/contract';
import { checkSetting } from '../settings/settings';
import { createTelemetrySource, type DataSourceSetting, describeDataSource } from '../telemetry';
import { TelemetryError } from '../telemetry/source';
import { ActionError } from './action-error';

/** StackState gives Test Connection about 15 s ("Request timeout ui"); the button waits a little less. */
const TEST_TIMEOUT_MILLIS = 10_000;

export async function testDataSource(setting: DataSourceSetting): Promise<DataSourceTestResult> {
  const problem = checkSetting('dataSource', setting);
  if (problem) throw new ActionError(`dataSource ${problem}`);
  const source = createTelemetrySource(setting);
  const what = describeDataSource(setting);
  try {
    const answer = await source.testConnection({
      connectionDetails: {},
      signal: AbortSignal.timeout(TEST_TIMEOUT_MILLIS),
      note: () => {},
    });
    return answer.status === 'OK'
      ? { ok: true, message: `${what}: Test Connection answers OK.` }
      : { ok: false, message: said(what, answer.error?.details ?? 'Test Connection answers FAILURE.') };
  } catch (error) {
    const reason =
      error instanceof TelemetryError
        ? error.message
        : (error as Error).name === 'TimeoutError'
          ? `no answer within ${TEST_TIMEOUT_MILLIS / 1000} s`
          : (error as Error).message;
    return { ok: false, message: said(what, reason) };
  }
}

/**
 * The source's answer, after what it is ("Prometheus at http://…: Nothing answers …"), unless the
 * answer already starts by naming it ("Prometheus at http://… did not answer within 10 s.").
 */
function said(what: string, message: string): string {
  return message.startsWith(what) ? message : `${what}: ${message}`;
}
