// The library's public surface.
export { createSessionService } from './service.js';
export type { ListenOptions, SessionService, SessionServiceOptions } from './service.js';
export { BODY_LIMIT_BYTES } from './app.js';
export { EventBus, createKitEventBus, type KitEventBus } from './core/bus.js';
export { FakeClock, createSystemClock, type Clock, type TimerHandle } from './core/clock.js';
export * from './core/events.js';
export { DEPARTED_IDS_KEPT, INITIAL_STATE, MAX_CONNECTED_CLIENT_IDS, step } from './core/machine.js';
export type { IdSet, RecentIds } from './core/id-set.js';
export type { Effect, MachineSettings, Phase, PhaseName, SessionInput, SessionState, Step, TimerName } from './core/machine.js';
export { policyClocks, type PolicyClocks } from './core/policies.js';
export { READINESS_TABLE, readiness, type Readiness, type ReadinessReason } from './core/readiness.js';
export { Session, type SessionLogger, type SessionOptions } from './core/session.js';
export { loadSettings, SettingsError, type LoadedSettings, type SettingsSources } from './settings/load.js';
export { DEFAULT_SETTINGS, SETTINGS, type SettingName, type Settings, type SettingSpec } from './settings/table.js';
export type { SessionStatus, StreamingCredentials, TurnDetails } from '../generated/types.gen.js';
export { runNvcfCheck } from './check/sequence.js';
export type { CheckName, CheckResult, NvcfCheckOptions, NvcfCheckReport, ReadinessState } from './check/types.js';
export { iceConfiguration, type IceConfiguration, type IceServer } from './webrtc/ice-configuration.js';
