// Builders for the renderer's unit tests: a full SessionState and LogEntry with sensible defaults.
import type { LogEntry, SessionState } from '../../renderer/src/lib/contract';
import { dataSourceKindsForUi } from '../../server/telemetry';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

export function makeState(overrides: DeepPartial<SessionState> = {}): SessionState {
  const base: SessionState = {
    revision: 1,
    phase: 'online',
    message: 'Online: StackState can reach the mirror at https://abc.ngrok-free.app/',
    mirror: { localUrl: 'http://127.0.0.1:7007/', port: 7007, host: '127.0.0.1', networkWarning: null },
    tunnel: {
      kind: 'ngrok',
      status: { state: 'online', publicUrl: 'https://abc.ngrok-free.app/' },
      publicUrl: 'https://abc.ngrok-free.app/',
    },
    connection: { mirrorUrl: 'https://abc.ngrok-free.app/', apiKey: 'mirror-key', connectionDetails: '{}' },
    dataSource: { kind: 'demo', description: 'Demo data' },
    dataSourceKinds: dataSourceKindsForUi(),
    settings: {
      mirrorPort: 7007,
      mirrorHost: '127.0.0.1',
      dataSource: { kind: 'demo' },
      requestTimeoutSeconds: 20,
      tunnel: 'ngrok',
      ngrokDomain: null,
      allowCidrs: [],
      hasAuthtoken: true,
      authtokenHint: '…abcd',
      location: '/tmp/settings.json',
      encryptsSecrets: false,
    },
    milestones: {
      mirrorRunning: 1,
      tunnelOnline: 2,
      firstTestConnection: null,
      firstFieldLookup: null,
      firstMetricQuery: null,
    },
    incidents: [],
    catalog: { dimensions: { host: ['a-host'] }, metrics: ['cpu.usage'] },
    lastCleanup: null,
    appVersion: '0.1.0',
  };
  const merged = { ...base } as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    const current = (base as unknown as Record<string, unknown>)[key];
    merged[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? { ...current, ...value }
        : value;
  }
  return merged as unknown as SessionState;
}

export function makeEntry(id: number, overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    id,
    time: 1_700_000_000_000 + id,
    operation: 'metrics',
    method: 'POST',
    url: '/api/metric',
    status: 200,
    durationMillis: 3,
    summary: 'cpu.usage · host = a-host · MEAN per 1 min · last 24 h',
    resultCount: 1440,
    origin: 'tunnel',
    remoteAddress: '203.0.113.9',
    error: null,
    findings: [],
    requestBody: '{\n  "_type": "MetricsRequest"\n}',
    responseBody: '{\n  "_type": "MetricsResponse"\n}',
    requestTruncated: false,
    responseTruncated: false,
    ...overrides,
  };
}
