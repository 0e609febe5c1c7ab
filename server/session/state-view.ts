// What the window, the tray and the headless output see of a session: one SessionState, assembled
// from the session's parts (mirror-session.ts owns them; this only reads).
import type { CleanupReport, PortBusy, SessionPhase, SessionState } from '../contract/contract';
import type { RunningMirror } from '../mirror/listen';
import { dataSourceKindsForUi, describeDataSource } from '../telemetry';
import { exampleFilterOf } from '../telemetry/registry';
import { dockerLoopbackWarning, NETWORK_EXPOSURE_WARNING } from '../tunnel/none';
import { APP_VERSION } from '../version';
import type { Checklist } from './checklist';
import type { IncidentBoard } from './incident-board';
import { isLoopback } from './loopback';
import type { RunSettings } from './run-settings';
import type { SessionTelemetry } from './telemetry';
import type { TunnelKeeper } from './tunnel-keeper';

const DATA_SOURCE_KINDS_FOR_UI = dataSourceKindsForUi();

/** The session's parts a state is read from. */
export interface StateParts {
  revision: number;
  phase: SessionPhase;
  message: string;
  mirror: RunningMirror | null;
  portBusy: PortBusy | null;
  lastCleanup: CleanupReport | null;
  settings: RunSettings;
  tunnels: TunnelKeeper;
  telemetry: SessionTelemetry;
  checklist: Checklist;
  incidents: IncidentBoard;
}

export function sessionStateOf(parts: StateParts): SessionState {
  const effective = parts.settings.effective;
  const status = parts.tunnels.status;
  const publicUrl = status.state === 'online' ? status.publicUrl : null;
  const localUrl = parts.mirror ? parts.mirror.localUrl : null;
  return {
    revision: parts.revision,
    phase: parts.phase,
    message: parts.message,
    mirror: {
      localUrl,
      port: parts.mirror?.port ?? null,
      host: parts.settings.bindHost,
      // Beyond loopback, anyone on the network can query the mirror: say so.
      networkWarning: parts.mirror ? networkWarningOf(parts.mirror.host, effective.tunnel) : null,
      portBusy: parts.mirror ? null : parts.portBusy,
    },
    tunnel: {
      kind: effective.tunnel,
      status,
      publicUrl,
      retryAt: parts.tunnels.retryAt,
      authtokenRefused: parts.tunnels.authtokenRefused,
    },
    connection: {
      mirrorUrl: parts.tunnels.urlToPaste(parts.phase, localUrl),
      // In front of the user's own mirror the key is that mirror's, unknown until its first answer.
      apiKey:
        parts.telemetry.learnedApiKey() ??
        (effective.dataSource.kind === 'upstream' ? null : effective.apiKey),
      connectionDetails: '{}',
    },
    dataSource: {
      kind: effective.dataSource.kind,
      description: describeDataSource(effective.dataSource),
      exampleFilter: exampleFilterOf(effective.dataSource),
    },
    dataSourceKinds: DATA_SOURCE_KINDS_FOR_UI,
    settings: parts.settings.publicView,
    milestones: parts.checklist.milestones,
    incidents: parts.incidents.active(),
    catalog: parts.telemetry.catalog(),
    lastCleanup: parts.lastCleanup,
    appVersion: APP_VERSION,
  };
}

/** Beyond loopback, anyone on the network can query the mirror; on loopback with the tunnel "none", Docker may not reach it. */
function networkWarningOf(host: string, tunnel: string): string | null {
  if (!isLoopback(host)) return NETWORK_EXPOSURE_WARNING;
  return tunnel === 'none' ? dockerLoopbackWarning(host) : null;
}
