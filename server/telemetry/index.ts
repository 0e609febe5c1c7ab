// The telemetry a mirror serves: the data-source kinds (registry.ts) and the source interface.
export {
  checkDataSource,
  createTelemetrySource,
  DATA_SOURCE_KINDS,
  type DataSourceKind,
  type DataSourceSetting,
  DEFAULT_DATA_SOURCE,
  dataSourceKindsForUi,
  describeDataSource,
  publicDataSource,
} from './registry';
export type { Incident, SourceContext, TelemetrySource } from './source';
export { TelemetryError } from './source';
