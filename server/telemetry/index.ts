// The telemetry a mirror serves, chosen by profile name.
import { createDemoSource } from './demo';
import type { ProfileName, TelemetrySource } from './source';
import { createTutorialSource } from './tutorial';

export type { Incident, ProfileName, TelemetrySource } from './source';
export { TelemetryError } from './source';

export function createTelemetrySource(profile: ProfileName): TelemetrySource {
  switch (profile) {
    case 'demo':
      return createDemoSource();
    case 'tutorial':
      return createTutorialSource();
  }
}
