// The incidents the user started in the simulator: checked against what the source serves, capped,
// and announced when they end, so every view drops them without polling.
import { randomUUID } from 'node:crypto';
import { clip } from '../clip';
import type { IncidentRequest } from '../contract/contract';
import type { Incident } from '../telemetry/source';
import { ActionError } from './action-error';
import type { IncidentTarget } from './telemetry';

/** Each active incident is checked on every metric query: a few are plenty to watch a check react. */
export const MAX_ACTIVE_INCIDENTS = 10;

const MAX_DURATION_MINUTES = 24 * 60;

export class IncidentBoard {
  private incidents: Incident[] = [];

  /**
   * @param target where the incidents take effect (the telemetry source)
   * @param onExpired called just after an incident has ended by itself
   */
  constructor(
    private readonly target: IncidentTarget,
    private readonly onExpired: () => void,
  ) {}

  /** The incidents still running; ended ones drop out by themselves. */
  active(): Incident[] {
    const now = Date.now();
    return this.incidents.filter((incident) => incident.startMillis + incident.durationMillis > now);
  }

  /** Starts an incident, or throws an ActionError that says why not. */
  start(request: IncidentRequest): Incident {
    this.check(request);
    const now = Date.now();
    const incident: Incident = {
      id: `incident-${now}-${randomUUID().slice(0, 8)}`,
      series: request.series,
      metric: request.metric,
      startMillis: now,
      durationMillis: request.durationMinutes * 60_000,
      factor: request.factor ?? 3,
    };
    this.incidents = [...this.active(), incident];
    this.target.setIncidents(this.incidents);
    // A little after the end, so the state said then no longer lists it.
    setTimeout(() => this.onExpired(), incident.durationMillis + 100).unref();
    return incident;
  }

  /** Ends every incident now. */
  clear(): void {
    this.incidents = [];
    this.target.setIncidents([]);
  }

  private check(request: IncidentRequest): void {
    const catalog = this.target.catalog();
    if (!catalog.metrics.includes(request.metric))
      throw new ActionError(`unknown metric "${clip(request.metric, 80)}"`);
    for (const [field, value] of Object.entries(request.series)) {
      // Own keys only: a series named `constructor` is not a dimension, whatever Object.prototype says.
      const values = Object.hasOwn(catalog.dimensions, field) ? catalog.dimensions[field] : undefined;
      if (!values?.includes(value))
        throw new ActionError(`unknown series ${clip(field, 80)} = ${clip(value, 80)}`);
    }
    if (this.active().length >= MAX_ACTIVE_INCIDENTS) {
      throw new ActionError(
        `at most ${MAX_ACTIVE_INCIDENTS} incidents can run at once; end one (or all) before starting another`,
      );
    }
    if (!(request.durationMinutes > 0 && request.durationMinutes <= MAX_DURATION_MINUTES)) {
      throw new ActionError('durationMinutes must be between 0 and 1440');
    }
  }
}
