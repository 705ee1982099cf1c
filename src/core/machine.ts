import type { SessionStatus, StreamingCredentials } from '../../generated/types.gen.js';
import { IdSet, RecentIds } from './id-set.js';
import {
  IDLE_WARNING_CANCELLED_EVENT,
  IDLE_WARNING_EVENT,
  SESSION_ENDED_EVENT,
  STUN_CREDENTIALS_EVENT,
  type EndCause,
  type IdleWarningCancelledPayload,
  type IdleWarningPayload,
  type SessionEndedPayload,
} from './events.js';

/** The settings the session machine reads. */
export interface MachineSettings {
  readonly quitOnSessionEnded: boolean;
  readonly resumeTimeoutSeconds: number;
  readonly waitForSessionReadyEvent: boolean;
  /** Opt-in: end the session by itself when the resume window runs out. */
  readonly endSessionOnResumeTimeout: boolean;
  /** Opt-in (0 = none): longest a session lasts, from its first client connection. */
  readonly maxSessionSeconds: number;
  /** Opt-in (0 = none): how long after its credentials a session waits for a first client. */
  readonly firstConnectionTimeoutSeconds: number;
  /** Opt-in (0 = none): how long a session with a client connected goes without user input. */
  readonly idleTimeoutSeconds: number;
  /** How long before the idle time-out a warning is dispatched (0 = none); less than idleTimeoutSeconds. */
  readonly idleWarningSeconds: number;
}

/**
 * Why an instance can only be recycled:
 * - `quitting`: the session ended with `quitOnSessionEnded` and the application is quitting;
 * - `appExited`: the supervised application exited by itself;
 * - `shuttingDown`: the service was told to stop (SIGTERM, SIGINT). It outranks the others:
 *   the application exiting while the service stops changes nothing.
 */
export type RecyclingCause = 'quitting' | 'appExited' | 'shuttingDown';

/**
 * Where the session is in its life.
 * - `open`: a session may be starting or running;
 * - `awaitingResume`: endsession opened the resume window at `openedAt`;
 * - `ended`: the session ended without quitting; a new one begins with credentials or a client;
 * - `recycling`: terminal, `because` of one of the RecyclingCauses.
 */
export type Phase =
  | { readonly name: 'open' }
  | { readonly name: 'awaitingResume'; readonly openedAt: number }
  | { readonly name: 'ended' }
  | { readonly name: 'recycling'; readonly because: RecyclingCause };

export type PhaseName = Phase['name'];

/** Whether the instance can only be recycled, and `because` of what. */
export const isRecycling = (phase: Phase, because: RecyclingCause): boolean => phase.name === 'recycling' && phase.because === because;

export interface SessionState {
  readonly appReady: boolean;
  readonly rtxReady: boolean;
  readonly sessionReadyEventReceived: boolean;
  /** Clients connected now: those counted without an id, and those with one. */
  readonly clients: number;
  /** Connects minus disconnects of events without a clientId, never below zero. */
  readonly anonymousClients: number;
  /** Clients connected now that gave a clientId (at most MAX_CONNECTED_CLIENT_IDS). */
  readonly clientIds: IdSet;
  /**
   * The last ids that disconnected (at least DEPARTED_IDS_KEPT of them): an id names one
   * connection, so a connect that arrives after its disconnect, or twice, is ignored.
   */
  readonly departedClientIds: RecentIds;
  /** A session ended while its client was still connected; cleared by a disconnect. */
  readonly previousClientConnected: boolean;
  readonly phase: Phase;
  readonly lastSessionId: string | null;
  readonly credentialsReceived: boolean;
  /** When the first client of this session connected; null until one has. */
  readonly sessionStartedAt: number | null;
  /** When credentials came for a session no client has connected to yet; null otherwise. */
  readonly waitingForFirstClientSince: number | null;
  /**
   * When the idle count last restarted (a client connected, or user input came); null while
   * idle time is not counted: idleTimeoutSeconds is 0, no client has connected since the
   * session (re)opened, the last client left, a resume window is open, or the session ended.
   */
  readonly idleSince: number | null;
  /** The idle warning of the current count has been dispatched. */
  readonly idleWarned: boolean;
}

/**
 * Most clients with an id connected at once: a connect for another is refused (the local
 * event API answers 409) until one disconnects. Clients without an id are only counted.
 */
export const MAX_CONNECTED_CLIENT_IDS = 10_000;

/**
 * How many departed client ids are remembered at least (as many as may be connected; at most
 * twice as many are): the oldest are forgotten first.
 */
export const DEPARTED_IDS_KEPT = MAX_CONNECTED_CLIENT_IDS;

export const INITIAL_STATE: SessionState = Object.freeze({
  appReady: false,
  rtxReady: false,
  sessionReadyEventReceived: false,
  clients: 0,
  anonymousClients: 0,
  clientIds: IdSet.EMPTY,
  departedClientIds: new RecentIds(DEPARTED_IDS_KEPT),
  previousClientConnected: false,
  phase: Object.freeze({ name: 'open' }),
  lastSessionId: null,
  credentialsReceived: false,
  sessionStartedAt: null,
  waitingForFirstClientSince: null,
  idleSince: null,
  idleWarned: false,
});

/** The timers the machine asks for; the shell owns one of each at most. */
export type TimerName = 'resume' | 'maxSession' | 'firstConnection' | 'idle';

export type SessionInput =
  | { readonly type: 'appReady' }
  | { readonly type: 'newFrame' }
  | { readonly type: 'sessionReady' }
  | { readonly type: 'clientConnected'; readonly clientId?: string }
  | { readonly type: 'clientDisconnected'; readonly clientId?: string }
  /** The application reports user input (it may, a thousand times a second). */
  | { readonly type: 'userInput' }
  | { readonly type: 'credentials'; readonly credentials: StreamingCredentials }
  | { readonly type: 'endSession'; readonly gracefulShutdown: boolean; readonly sessionId: string | null }
  | { readonly type: 'timerFired'; readonly timer: TimerName }
  | { readonly type: 'appExited' }
  /** The service is told to stop; `deadlineSeconds` is how long the application will have once sent SIGTERM. */
  | { readonly type: 'shutdown'; readonly deadlineSeconds?: number };

/** What the shell must do after a step; the machine itself does nothing. */
export type Effect =
  | { readonly type: 'dispatchEnded'; readonly event: typeof SESSION_ENDED_EVENT; readonly payload: SessionEndedPayload }
  | { readonly type: 'dispatchCredentials'; readonly event: typeof STUN_CREDENTIALS_EVENT; readonly payload: StreamingCredentials }
  | { readonly type: 'dispatchIdleWarning'; readonly event: typeof IDLE_WARNING_EVENT; readonly payload: IdleWarningPayload }
  | { readonly type: 'dispatchIdleWarningCancelled'; readonly event: typeof IDLE_WARNING_CANCELLED_EVENT; readonly payload: IdleWarningCancelledPayload }
  | { readonly type: 'startTimer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly timer: TimerName }
  | { readonly type: 'warn'; readonly msg: string; readonly details: Readonly<Record<string, unknown>> }
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
      return clientConnected(state, input.clientId, ctx);
    case 'clientDisconnected': {
      const next = clientDisconnected(state, input.clientId);
      return next.state.clients === 0 ? idleStopped(next) : next;
    }
    case 'userInput':
      return state.idleSince === null ? unchanged(state) : idleRestarted(state, [], ctx);
    case 'credentials':
      return credentials(state, input.credentials, ctx);
    case 'endSession': {
      const next = endSession(state, input, ctx);
      return next.state.phase.name === 'awaitingResume' ? idleStopped(next) : next;
    }
    case 'timerFired':
      return timerFired(state, input.timer, ctx);
    case 'appExited':
      // Nothing is dispatched: there is no application left to hear it. The supervisor exits.
      if (isRecycling(state.phase, 'shuttingDown')) return unchanged(state);
      return {
        state: { ...state, ...NO_POLICY_CLOCKS, phase: { name: 'recycling', because: 'appExited' } },
        effects: runningTimers(state, ctx.settings).map(cancel),
      };
    case 'shutdown':
      return shutdown(state, input.deadlineSeconds, ctx.settings);
    default:
      return assertNever(input);
  }
}

const NO_POLICY_CLOCKS = { sessionStartedAt: null, waitingForFirstClientSince: null, idleSince: null, idleWarned: false } as const;

const cancel = (timer: TimerName): Effect => ({ type: 'cancelTimer', timer });

/** The timers that may be running in `state`. */
function runningTimers(state: SessionState, settings: MachineSettings): TimerName[] {
  const timers: TimerName[] = [];
  if (state.phase.name === 'awaitingResume' && settings.endSessionOnResumeTimeout && settings.resumeTimeoutSeconds > 0) timers.push('resume');
  if (state.sessionStartedAt !== null && settings.maxSessionSeconds > 0) timers.push('maxSession');
  if (state.waitingForFirstClientSince !== null && settings.firstConnectionTimeoutSeconds > 0) timers.push('firstConnection');
  if (state.idleSince !== null && settings.idleTimeoutSeconds > 0) timers.push('idle');
  return timers;
}

const isLive = (state: SessionState) => state.phase.name === 'open' || state.phase.name === 'awaitingResume';

function withClients(state: SessionState, anonymousClients: number, clientIds: IdSet, departedClientIds = state.departedClientIds): SessionState {
  return { ...state, anonymousClients, clientIds, departedClientIds, clients: anonymousClients + clientIds.size };
}

const CONNECT_REFUSED = `client connect refused: ${MAX_CONNECTED_CLIENT_IDS} clients with an id are connected, the most counted`;

function clientConnected(state: SessionState, clientId: string | undefined, ctx: StepContext): Step {
  if (clientId === undefined) return joined(withClients(state, state.anonymousClients + 1, state.clientIds), ctx);
  if (state.clientIds.has(clientId)) return unchanged(state); // said twice
  // An id names one connection and this one has left: its connect is late or said again. It
  // resumes nothing (a client that comes back takes a new id).
  if (state.departedClientIds.has(clientId)) return unchanged(state);
  if (refusesConnect(state, clientId)) {
    return { state, effects: [{ type: 'warn', msg: CONNECT_REFUSED, details: { clientsWithId: state.clientIds.size } }] };
  }
  return joined(withClients(state, state.anonymousClients, state.clientIds.add(clientId)), ctx);
}

/** Whether a connect for `clientId` is refused: a new id while MAX_CONNECTED_CLIENT_IDS are connected. */
export function refusesConnect(state: SessionState, clientId: string): boolean {
  const { clientIds, departedClientIds } = state;
  return clientIds.size >= MAX_CONNECTED_CLIENT_IDS && !clientIds.has(clientId) && !departedClientIds.has(clientId);
}

/** A client connected: it resumes the session or begins a new one, and starts the session's clock. */
function joined(state: SessionState, ctx: StepContext): Step {
  const effects: Effect[] = [];
  let next = state;
  switch (state.phase.name) {
    case 'awaitingResume': // the session is resumed
      if (runningTimers(state, ctx.settings).includes('resume')) effects.push(cancel('resume'));
      next = { ...state, phase: { name: 'open' } };
      break;
    case 'ended': // a new session begins
      next = { ...state, phase: { name: 'open' } };
      break;
    case 'open':
      break;
    case 'recycling':
      return unchanged(state);
    default:
      return assertNever(state.phase);
  }
  if (next.waitingForFirstClientSince !== null) {
    if (ctx.settings.firstConnectionTimeoutSeconds > 0) effects.push(cancel('firstConnection'));
    next = { ...next, waitingForFirstClientSince: null };
  }
  if (next.sessionStartedAt === null) {
    next = { ...next, sessionStartedAt: ctx.now };
    const { maxSessionSeconds } = ctx.settings;
    if (maxSessionSeconds > 0) effects.push({ type: 'startTimer', timer: 'maxSession', ms: maxSessionSeconds * 1000 });
  }
  // A client connecting is activity: the idle count starts, or starts again.
  return idleRestarted(next, effects, ctx);
}

function clientDisconnected(state: SessionState, clientId: string | undefined): Step {
  if (clientId === undefined) {
    if (state.anonymousClients === 0) {
      // Without ids a disconnect handled before its connect is lost here: ids avoid that.
      return {
        state: { ...state, previousClientConnected: false },
        effects: [{ type: 'warn', msg: 'client disconnected with no client counted; send a clientId to count clients exactly', details: { clientsWithId: state.clientIds.size } }],
      };
    }
    return unchanged({ ...withClients(state, state.anonymousClients - 1, state.clientIds), previousClientConnected: false });
  }
  if (state.departedClientIds.has(clientId)) return unchanged(state); // said twice
  const ids = state.clientIds.delete(clientId);
  return unchanged({ ...withClients(state, state.anonymousClients, ids, state.departedClientIds.add(clientId)), previousClientConnected: false });
}

function credentials(state: SessionState, payload: StreamingCredentials, ctx: StepContext): Step {
  const effects: Effect[] = [{ type: 'dispatchCredentials', event: STUN_CREDENTIALS_EVENT, payload }];
  // Credentials are the first act of a new session.
  let next: SessionState = { ...state, credentialsReceived: true, phase: state.phase.name === 'ended' ? { name: 'open' } : state.phase };
  // The first connection is counted from the first credentials of a session; more do not restart it.
  if (isLive(next) && next.sessionStartedAt === null && next.waitingForFirstClientSince === null) {
    next = { ...next, waitingForFirstClientSince: ctx.now };
    const { firstConnectionTimeoutSeconds } = ctx.settings;
    if (firstConnectionTimeoutSeconds > 0) effects.push({ type: 'startTimer', timer: 'firstConnection', ms: firstConnectionTimeoutSeconds * 1000 });
  }
  return { state: next, effects };
}

function timerFired(state: SessionState, timer: TimerName, ctx: StepContext): Step {
  switch (timer) {
    case 'resume':
      return state.phase.name === 'awaitingResume' ? end(state, 'RESUME_TIMEOUT', ctx.settings) : unchanged(state);
    case 'maxSession':
      // The resume window does not extend the session: it ends whether or not one is open.
      return isLive(state) && state.sessionStartedAt !== null ? end(state, 'MAX_SESSION_LENGTH', ctx.settings) : unchanged(state);
    case 'firstConnection':
      return isLive(state) && state.waitingForFirstClientSince !== null ? end(state, 'NO_CLIENT_CONNECTED', ctx.settings) : unchanged(state);
    case 'idle':
      return idleTimerFired(state, ctx);
    default:
      return assertNever(timer);
  }
}

const WARNING_CANCELLED: Effect = Object.freeze({ type: 'dispatchIdleWarningCancelled', event: IDLE_WARNING_CANCELLED_EVENT, payload: Object.freeze({}) });

/** When the idle count that restarted at `idleSince` next needs a look: its warning, else its end. */
function nextIdleCheck(idleSince: number, warned: boolean, settings: MachineSettings): number {
  const endsAt = idleSince + settings.idleTimeoutSeconds * 1000;
  return settings.idleWarningSeconds > 0 && !warned ? endsAt - settings.idleWarningSeconds * 1000 : endsAt;
}

/**
 * The idle count starts again now (a client connected, or user input came); a warning given
 * is cancelled. Input only moves `idleSince`: the timer already running fires no later than
 * the new count needs and is set again then, so a thousand inputs a second start no timer.
 */
function idleRestarted(state: SessionState, effects: Effect[], ctx: StepContext): Step {
  const { settings, now } = ctx;
  if (settings.idleTimeoutSeconds === 0) return { state, effects };
  // No timer runs yet, or the one running is the old count's end, which may come after the new count's warning.
  const setTimer = state.idleSince === null || state.idleWarned;
  if (state.idleWarned) effects.push(WARNING_CANCELLED);
  if (setTimer) effects.push({ type: 'startTimer', timer: 'idle', ms: nextIdleCheck(now, false, settings) - now });
  return { state: { ...state, idleSince: now, idleWarned: false }, effects };
}

/** The idle count stops (the last client left, or a resume window opened): its timer goes, and a warning given is cancelled. */
function idleStopped(result: Step): Step {
  const { state } = result;
  if (state.idleSince === null) return result;
  const effects: Effect[] = [...result.effects, cancel('idle')];
  if (state.idleWarned) effects.push(WARNING_CANCELLED);
  return { ...result, state: { ...state, idleSince: null, idleWarned: false }, effects };
}

/** The idle timer fired: the count may have restarted since it was set, so it looks at `idleSince`. */
function idleTimerFired(state: SessionState, ctx: StepContext): Step {
  const { idleSince, idleWarned } = state;
  if (idleSince === null) return unchanged(state);
  const { settings, now } = ctx;
  const endsAt = idleSince + settings.idleTimeoutSeconds * 1000;
  if (now >= endsAt) return end(state, 'IDLE_TIMEOUT', settings);
  if (!idleWarned && settings.idleWarningSeconds > 0 && now >= nextIdleCheck(idleSince, false, settings)) {
    return {
      state: { ...state, idleWarned: true },
      effects: [
        { type: 'dispatchIdleWarning', event: IDLE_WARNING_EVENT, payload: { secondsLeft: Math.ceil((endsAt - now) / 1000) } },
        { type: 'startTimer', timer: 'idle', ms: endsAt - now },
      ],
    };
  }
  return { state, effects: [{ type: 'startTimer', timer: 'idle', ms: nextIdleCheck(idleSince, idleWarned, settings) - now }] };
}

/**
 * The service is stopping: readiness says so at once, and a live session ends with cause
 * SHUTDOWN, so the application hears why before it is stopped. Nothing quits: the shell is
 * stopping already.
 */
function shutdown(state: SessionState, deadlineSeconds: number | undefined, settings: MachineSettings): Step {
  if (isRecycling(state.phase, 'shuttingDown')) return unchanged(state);
  const effects = runningTimers(state, settings).map(cancel);
  if (isLive(state)) {
    const payload: SessionEndedPayload = { sessionId: state.lastSessionId, cause: 'SHUTDOWN', ...(deadlineSeconds === undefined ? {} : { deadlineSeconds }) };
    effects.push({ type: 'dispatchEnded', event: SESSION_ENDED_EVENT, payload });
  }
  return { state: { ...state, ...NO_POLICY_CLOCKS, sessionReadyEventReceived: false, phase: { name: 'recycling', because: 'shuttingDown' } }, effects };
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
      ? [{ type: 'startTimer', timer: 'resume', ms: resumeTimeoutSeconds * 1000 }]
      : [];
    return status({ state: { ...state, phase: { name: 'awaitingResume', openedAt: ctx.now } }, effects }, 'AWAITING_RESUME');
  }
  return status(end(state, 'RESUME_DISABLED', ctx.settings), 'COMPLETE');
}

/** Stop the session's timers, forget the session-ready event, dispatch ended, maybe quit. */
function end(state: SessionState, cause: EndCause, settings: MachineSettings): Step {
  const effects: Effect[] = runningTimers(state, settings).map(cancel);
  effects.push({ type: 'dispatchEnded', event: SESSION_ENDED_EVENT, payload: { sessionId: state.lastSessionId, cause } });
  const base = { ...state, ...NO_POLICY_CLOCKS, sessionReadyEventReceived: false };
  if (settings.quitOnSessionEnded) {
    effects.push({ type: 'quit', exitCode: 0 });
    return { state: { ...base, phase: { name: 'recycling', because: 'quitting' } }, effects };
  }
  return { state: { ...base, phase: { name: 'ended' }, previousClientConnected: state.clients > 0 }, effects };
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
