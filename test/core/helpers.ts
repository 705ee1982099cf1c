import { INITIAL_STATE, step, type MachineSettings, type SessionInput, type SessionState, type Step } from '../../src/core/machine.js';
import type { StreamingCredentials } from '../../generated/types.gen.js';
import { SEED_CREDENTIALS } from '../support/fixtures.js';

/** The defaults of BEHAVIOUR.md's settings table, plus the opt-in timer off. */
export const DEFAULTS: MachineSettings = Object.freeze({
  quitOnSessionEnded: true,
  resumeTimeoutSeconds: 30,
  waitForSessionReadyEvent: false,
  endSessionOnResumeTimeout: false,
  maxSessionSeconds: 0,
  firstConnectionTimeoutSeconds: 0,
  idleTimeoutSeconds: 0,
  idleWarningSeconds: 0,
});

export const settingsWith = (overrides: Partial<MachineSettings> = {}): MachineSettings => ({ ...DEFAULTS, ...overrides });

export const CREDS: StreamingCredentials = SEED_CREDENTIALS;

export const appReady: SessionInput = { type: 'appReady' };
export const newFrame: SessionInput = { type: 'newFrame' };
export const sessionReady: SessionInput = { type: 'sessionReady' };
export const connect: SessionInput = { type: 'clientConnected' };
export const disconnect: SessionInput = { type: 'clientDisconnected' };
export const timerFired: SessionInput = { type: 'timerFired', timer: 'resume' };
export const maxSessionFired: SessionInput = { type: 'timerFired', timer: 'maxSession' };
export const firstConnectionFired: SessionInput = { type: 'timerFired', timer: 'firstConnection' };
export const idleFired: SessionInput = { type: 'timerFired', timer: 'idle' };
export const userInput: SessionInput = { type: 'userInput' };
export const shutdown = (deadlineSeconds?: number): SessionInput => (deadlineSeconds === undefined ? { type: 'shutdown' } : { type: 'shutdown', deadlineSeconds });
export const connectAs = (clientId: string): SessionInput => ({ type: 'clientConnected', clientId });
export const disconnectAs = (clientId: string): SessionInput => ({ type: 'clientDisconnected', clientId });
export const appExited: SessionInput = { type: 'appExited' };
export const credentials = (creds: StreamingCredentials = CREDS): SessionInput => ({ type: 'credentials', credentials: creds });
export const endSession = (gracefulShutdown: boolean, sessionId: string | null = null): SessionInput => ({
  type: 'endSession',
  gracefulShutdown,
  sessionId,
});
/** Not an input: moves the time of the following inputs to `ms` (absolute). */
export const at = (ms: number) => ({ at: ms }) as const;

export type Script = ReadonlyArray<SessionInput | { readonly at: number }>;

/** App ready and a first frame rendered: the streaming app is up. */
export const UP: Script = [appReady, newFrame];

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

export interface Run {
  readonly state: SessionState;
  readonly now: number;
  /** Every step, in order. */
  readonly steps: readonly Step[];
  /** The last step. */
  readonly last: Step;
}

/**
 * Folds `script` through `step`, starting from `from` (INITIAL_STATE by default) at time 0.
 * Every state handed to `step` is deep-frozen first, so a mutation would throw.
 */
export function run(script: Script, settings: MachineSettings = DEFAULTS, from: SessionState = INITIAL_STATE, start = 0): Run {
  let state = from;
  let now = start;
  const steps: Step[] = [];
  for (const item of script) {
    if ('at' in item) {
      now = item.at;
      continue;
    }
    const result = step(deepFreeze(state), item, { now, settings });
    steps.push(result);
    state = result.state;
  }
  const last = steps[steps.length - 1] ?? { state, effects: [] };
  return { state, now, steps, last };
}
