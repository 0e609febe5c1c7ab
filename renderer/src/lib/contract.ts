// The renderer's one door to the session's contract: types only, plus the route table, the token's
// query name and the log's bound. contract.ts holds nothing else at run time, so the bundle stays small.
export type {
  CheckMirrorRequest,
  CheckMirrorResult,
  CleanupOptions,
  CleanupReport,
  CleanupStep,
  ConnectionInfo,
  ControlError,
  ControlEvent,
  DataSourceKindInfo,
  DataSourceSetting,
  DataSourceTestResult,
  IncidentRequest,
  LogEntry,
  Milestones,
  MirrorCheck,
  PublicSettings,
  RequestOrigin,
  SelfTestResult,
  SessionPhase,
  SessionState,
  SettingsPatch,
} from '../../../server/control/contract';
export { LOG_CAPACITY, ROUTES, TOKEN_QUERY } from '../../../server/control/contract';
