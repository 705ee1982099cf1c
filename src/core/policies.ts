import type { MachineSettings, SessionState } from './machine.js';

export interface PolicyClocks {
  /** Whole seconds until maxSessionSeconds ends the session; null when off or no client has connected. */
  readonly sessionSecondsLeft: number | null;
  /** Whole seconds until firstConnectionTimeoutSeconds ends the session; null when off or nothing is waited for. */
  readonly firstConnectionSecondsLeft: number | null;
  /** Whole seconds until idleTimeoutSeconds ends the session without user input; null when off or not counted. */
  readonly idleSecondsLeft: number | null;
}

const secondsLeft = (since: number | null, seconds: number, now: number): number | null =>
  since === null || seconds === 0 ? null : Math.max(0, Math.ceil((since + seconds * 1000 - now) / 1000));

/** How long each session policy has left to run, read from the state the machine keeps. */
export function policyClocks(state: SessionState, settings: MachineSettings, now: number): PolicyClocks {
  return {
    sessionSecondsLeft: secondsLeft(state.sessionStartedAt, settings.maxSessionSeconds, now),
    firstConnectionSecondsLeft: secondsLeft(state.waitingForFirstClientSince, settings.firstConnectionTimeoutSeconds, now),
    idleSecondsLeft: secondsLeft(state.idleSince, settings.idleTimeoutSeconds, now),
  };
}
