import type { SessionStatus, StreamingCredentials } from '../../generated/types.gen.js';
import { SESSION_ENDED_EVENT, STUN_CREDENTIALS_EVENT, type EndCause, type SessionEndedPayload } from './events.js';

/** The settings the session machine reads. */
export interface MachineSettings {
  readonly quitOnSessionEnded: boolean;
  readonly resumeTimeoutSeconds: number;
  readonly waitForSessionReadyEvent: boolean;
  /** Opt-in: end the session by itself when the resume window runs out. */
  readonly endSessionOnResumeTimeout: boolean;
}

/**
 * Where the session is in its life.
 * - `open`: a session may be starting or running;
 * - `awaitingResume`: endsession opened the resume window at `openedAt`;
 * - `ended`: the session ended without quitting; a new one begins with credentials or a client;
 * - `recycling`: the session ended and the application is quitting, or the supervised
 *   application exited by itself (terminal).
 */
export type Phase =
  | { readonly name: 'open' }
  | { readonly name: 'awaitingResume'; readonly openedAt: number }
  | { readonly name: 'ended' }
  | { readonly name: 'recycling' };

export type PhaseName = Phase['name'];

export interface SessionState {
  readonly appReady: boolean;
  readonly rtxReady: boolean;
  readonly sessionReadyEventReceived: boolean;
  /** Clients connected now (connects minus disconnects, never below zero). */
  readonly clients: number;
  /** A session ended while its client was still connected; cleared by a disconnect. */
  readonly previousClientConnected: boolean;
  readonly phase: Phase;
  readonly lastSessionId: string | null;
  readonly credentialsReceived: boolean;
  /** The supervised application exited by itself: the instance can only be recycled. */
  readonly appExited: boolean;
}

export const INITIAL_STATE: SessionState = Object.freeze({
  appReady: false,
  rtxReady: false,
  sessionReadyEventReceived: false,
  clients: 0,
  previousClientConnected: false,
  phase: Object.freeze({ name: 'open' }),
  lastSessionId: null,
  credentialsReceived: false,
  appExited: false,
});

export type SessionInput =
  | { readonly type: 'appReady' }
  | { readonly type: 'newFrame' }
  | { readonly type: 'sessionReady' }
  | { readonly type: 'clientConnected' }
  | { readonly type: 'clientDisconnected' }
  | { readonly type: 'credentials'; readonly credentials: StreamingCredentials }
  | { readonly type: 'endSession'; readonly gracefulShutdown: boolean; readonly sessionId: string | null }
  | { readonly type: 'resumeTimerFired' }
  | { readonly type: 'appExited' };

/** What the shell must do after a step; the machine itself does nothing. */
export type Effect =
  | { readonly type: 'dispatchEnded'; readonly event: typeof SESSION_ENDED_EVENT; readonly payload: SessionEndedPayload }
  | { readonly type: 'dispatchCredentials'; readonly event: typeof STUN_CREDENTIALS_EVENT; readonly payload: StreamingCredentials }
  | { readonly type: 'startResumeTimer'; readonly ms: number }
  | { readonly type: 'cancelResumeTimer' }
  | { readonly type: 'quit'; readonly exitCode: 0 };

export interface Step {
  readonly state: SessionState;
  readonly effects: readonly Effect[];
  /** Set for `endSession` only: the answer to the caller. */
  readonly sessionStatus?: SessionStatus;
}

export interface StepContext {
  readonly now: number;
  readonly settings: MachineSettings;
}

const unchanged = (state: SessionState): Step => ({ state, effects: [] });

/** The session machine: a pure, total function of (state, input). */
export function step(state: SessionState, input: SessionInput, ctx: StepContext): Step {
  switch (input.type) {
    case 'appReady':
      return unchanged({ ...state, appReady: true });
    case 'newFrame':
      return unchanged({ ...state, rtxReady: true });
    case 'sessionReady':
      return unchanged({ ...state, sessionReadyEventReceived: true });
    case 'clientConnected':
      return clientConnected(state);
    case 'clientDisconnected':
      return unchanged({ ...state, clients: Math.max(0, state.clients - 1), previousClientConnected: false });
    case 'credentials':
      return {
        state: {
          ...state,
          credentialsReceived: true,
          // Credentials are the first act of a new session.
          phase: state.phase.name === 'ended' ? { name: 'open' } : state.phase,
        },
        effects: [{ type: 'dispatchCredentials', event: STUN_CREDENTIALS_EVENT, payload: input.credentials }],
      };
    case 'endSession':
      return endSession(state, input, ctx);
    case 'resumeTimerFired':
      return state.phase.name === 'awaitingResume' ? end(state, 'RESUME_TIMEOUT', ctx.settings) : unchanged(state);
    case 'appExited':
      // Nothing is dispatched: there is no application left to hear it. The supervisor exits.
      return {
        state: { ...state, appExited: true, phase: { name: 'recycling' } },
        effects: state.phase.name === 'awaitingResume' ? [{ type: 'cancelResumeTimer' }] : [],
      };
    default:
      return assertNever(input);
  }
}

function clientConnected(state: SessionState): Step {
  const clients = state.clients + 1;
  switch (state.phase.name) {
    case 'awaitingResume': // the session is resumed
      return { state: { ...state, clients, phase: { name: 'open' } }, effects: [{ type: 'cancelResumeTimer' }] };
    case 'ended': // a new session begins
      return unchanged({ ...state, clients, phase: { name: 'open' } });
    case 'open':
    case 'recycling':
      return unchanged({ ...state, clients });
    default:
      return assertNever(state.phase);
  }
}

function endSession(
  current: SessionState,
  input: Extract<SessionInput, { type: 'endSession' }>,
  ctx: StepContext,
): Step {
  const state = input.sessionId === null ? current : { ...current, lastSessionId: input.sessionId };
  const { phase } = state;
  const { resumeTimeoutSeconds } = ctx.settings;
  const status = (next: Step, sessionStatus: SessionStatus): Step => ({ ...next, sessionStatus });

  // Ending an ended session answers COMPLETE again and dispatches nothing twice.
  if (phase.name === 'ended' || phase.name === 'recycling') return status(unchanged(state), 'COMPLETE');
  if (input.gracefulShutdown) return status(end(state, 'GRACEFUL_SHUTDOWN', ctx.settings), 'COMPLETE');
  if (phase.name === 'awaitingResume') {
    // The window is checked only here (as NVCF polls), and repeated calls do not restart it.
    return ctx.now - phase.openedAt >= resumeTimeoutSeconds * 1000
      ? status(end(state, 'RESUME_TIMEOUT', ctx.settings), 'COMPLETE')
      : status(unchanged(state), 'AWAITING_RESUME');
  }
  if (resumeTimeoutSeconds > 0) {
    const effects: Effect[] = ctx.settings.endSessionOnResumeTimeout
      ? [{ type: 'startResumeTimer', ms: resumeTimeoutSeconds * 1000 }]
      : [];
    return status({ state: { ...state, phase: { name: 'awaitingResume', openedAt: ctx.now } }, effects }, 'AWAITING_RESUME');
  }
  return status(end(state, 'RESUME_DISABLED', ctx.settings), 'COMPLETE');
}

/** Close the resume window, forget the session-ready event, dispatch ended, maybe quit. */
function end(state: SessionState, cause: EndCause, settings: MachineSettings): Step {
  const effects: Effect[] = [];
  if (state.phase.name === 'awaitingResume') effects.push({ type: 'cancelResumeTimer' });
  effects.push({ type: 'dispatchEnded', event: SESSION_ENDED_EVENT, payload: { sessionId: state.lastSessionId, cause } });
  const base = { ...state, sessionReadyEventReceived: false };
  if (settings.quitOnSessionEnded) {
    effects.push({ type: 'quit', exitCode: 0 });
    return { state: { ...base, phase: { name: 'recycling' } }, effects };
  }
  return { state: { ...base, phase: { name: 'ended' }, previousClientConnected: state.clients > 0 }, effects };
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
