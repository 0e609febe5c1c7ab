// The session's one door to the telemetry source. The TelemetrySource interface is about to change
// (the incident simulator becoming an optional capability), so every call the session makes to a
// source lives here, and a change of that interface is a change of this file alone.
import type { SessionState } from '../contract/contract';
import { createTelemetrySource, type DataSourceSetting } from '../telemetry';
import type { Incident, TelemetrySource } from '../telemetry/source';

/** Which series and metrics the incident simulator can pick from. */
export type IncidentCatalog = SessionState['catalog'];

/** What the incident board needs of whatever serves the telemetry. */
export interface IncidentTarget {
  catalog(): IncidentCatalog;
  /** Replaces the incidents the source overlays on its series. */
  setIncidents(incidents: readonly Incident[]): void;
}

export class SessionTelemetry implements IncidentTarget {
  private current: TelemetrySource;

  constructor(choice: DataSourceSetting) {
    this.current = createTelemetrySource(choice);
  }

  /** The source the mirror serves from; the mirror reads it per request, so a switch applies at once. */
  get source(): TelemetrySource {
    return this.current;
  }

  /** Serves another source, carrying over the incidents that still run. */
  switchTo(choice: DataSourceSetting, incidents: readonly Incident[]): void {
    this.current = createTelemetrySource(choice);
    this.setIncidents(incidents);
  }

  /** The key StackState must be given when the source passes another mirror's answers through, once known. */
  learnedApiKey(): string | null {
    return this.current.learnedApiKey?.() ?? null;
  }

  catalog(): IncidentCatalog {
    return this.current.catalog();
  }

  setIncidents(incidents: readonly Incident[]): void {
    this.current.setIncidents(incidents);
  }
}
