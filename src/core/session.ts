import type { SessionStatus, StreamingCredentials, StreamingCredentialsRequest } from '../../generated/types.gen.js';
import type { KitEventBus } from './bus.js';
import { NamedTimers, type Clock } from './clock.js';
import { readCredentials, type CredentialsOutcome } from './credentials.js';
import {
  APP_READY_EVENT,
  CLIENT_CONNECTED_EVENT,
  CLIENT_DISCONNECTED_EVENT,
  NEW_FRAME_EVENT,
  SESSION_READY_EVENT,
  USER_INPUT_EVENT,
  LISTENED_EVENTS,
  type EventPayload,
  type ListenedEventName,
} from './events.js';
import { assertNever, INITIAL_STATE, refusesConnect, step, type Effect, type MachineSettings, type SessionInput, type SessionState, type TimerName } from './machine.js';
import type { Logger } from './logger.js';
import { readiness, type Readiness } from './readiness.js';

export interface StepRecord {
  readonly before: SessionState;
  readonly after: SessionState;
  readonly input: SessionInput;
  /** The clock's time of the step, in milliseconds. */
  readonly now: number;
}

export type StepListener = (step: StepRecord) => void;

export interface SessionOptions {
  settings: MachineSettings;
  clock: Clock;
  bus: KitEventBus;
  /** Called once when the session ended with `quitOnSessionEnded`. */
  onQuit: (exitCode: number) => void;
  logger: Logger;
}

const USER_INPUT: SessionInput = Object.freeze({ type: 'userInput' });

/** The machine's input for a listened-for event; a clientId that is not a non-empty string is no id. */
function inputOfEvent(name: ListenedEventName, payload: EventPayload | undefined): SessionInput {
  switch (name) {
    case APP_READY_EVENT:
      return { type: 'appReady' };
    case NEW_FRAME_EVENT:
      return { type: 'newFrame' };
    case SESSION_READY_EVENT:
      return { type: 'sessionReady' };
    case CLIENT_CONNECTED_EVENT:
    case CLIENT_DISCONNECTED_EVENT: {
      const type = name === CLIENT_CONNECTED_EVENT ? 'clientConnected' : 'clientDisconnected';
      const clientId = payload?.clientId;
      return typeof clientId === 'string' && clientId !== '' ? { type, clientId } : { type };
    }
    case USER_INPUT_EVENT:
      return USER_INPUT;
    default:
      return assertNever(name);
  }
}

/**
 * The effects shell around the pure machine: it feeds inputs from the bus and the HTTP
 * layer to `step`, keeps the state, and runs the effects (dispatch, timer, quit).
 */
export class Session {
  #state: SessionState = INITIAL_STATE;
  #credentials: StreamingCredentials | undefined;
  readonly #timers: NamedTimers<TimerName>;
  #readiness: Readiness;
  readonly #readinessListeners = new Set<(readiness: Readiness, previous: Readiness) => void>();
  readonly #stepListeners = new Set<StepListener>();
  readonly #unsubscribe: Array<() => void>;

  constructor(private readonly options: SessionOptions) {
    this.#timers = new NamedTimers(options.clock, (timer) => this.#apply({ type: 'timerFired', timer }));
    this.#readiness = this.readiness();
    this.#unsubscribe = LISTENED_EVENTS.map((name) =>
      options.bus.on(name, (payload) => {
        this.#apply(inputOfEvent(name, payload));
      }),
    );
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The latest credentials, for an in-process application that subscribed late. */
  get credentials(): StreamingCredentials | undefined {
    return this.#credentials;
  }

  readiness(): Readiness {
    return readiness(this.#state, this.options.settings, this.options.clock.now());
  }

  endSession(request: { gracefulShutdown?: boolean | null; sessionId?: string | null } = {}): SessionStatus {
    const result = this.#apply({
      type: 'endSession',
      gracefulShutdown: request.gracefulShutdown === true,
      sessionId: request.sessionId ?? null,
    });
    return result.sessionStatus!;
  }

  /**
   * Whether the session refuses this event: a connect for a new client id while
   * MAX_CONNECTED_CLIENT_IDS are connected. Raised anyway, it would change nothing.
   */
  refuses(name: ListenedEventName, payload: EventPayload | undefined): boolean {
    const input = inputOfEvent(name, payload);
    return input.type === 'clientConnected' && input.clientId !== undefined && refusesConnect(this.#state, input.clientId);
  }

  /**
   * Credentials for the application, read as the original reads them. Accepted, they are
   * dispatched normalised, unknown fields kept (NVCF may add some); refused (a WebRTC stack
   * would refuse them), the previous ones stay. They are never logged.
   */
  setCredentials(body: StreamingCredentialsRequest): CredentialsOutcome {
    const outcome = readCredentials(body);
    if (outcome.accepted) this.#apply({ type: 'credentials', credentials: outcome.credentials });
    return outcome;
  }

  /** The supervised application exited by itself: report recycle-instance from now on. */
  appExited(): void {
    this.#apply({ type: 'appExited' });
  }

  /**
   * The service is stopping (SIGTERM, SIGINT): readiness answers 503 SHUTTING_DOWN from now
   * on, and a live session ends with cause SHUTDOWN and `deadlineSeconds` (how long the
   * application will have after its SIGTERM). Resolves a turn of the event loop later, once
   * what the listeners wrote (the event streams) has gone out, so the application can hear
   * it before it is stopped.
   */
  async drain(deadlineSeconds?: number): Promise<void> {
    this.#apply(deadlineSeconds === undefined ? { type: 'shutdown' } : { type: 'shutdown', deadlineSeconds });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Calls `listener` with the new readiness, and the one before, each time its reason changes. */
  onReadinessChange(listener: (readiness: Readiness, previous: Readiness) => void): () => void {
    this.#readinessListeners.add(listener);
    return () => this.#readinessListeners.delete(listener);
  }

  /** Calls `listener` after every step of the machine (for metrics and the like). */
  onStep(listener: StepListener): () => void {
    this.#stepListeners.add(listener);
    return () => this.#stepListeners.delete(listener);
  }

  dispose(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#timers.cancelAll();
    this.#readinessListeners.clear();
    this.#stepListeners.clear();
  }

  #apply(input: SessionInput) {
    const before = this.#state;
    const now = this.options.clock.now();
    const result = step(before, input, { now, settings: this.options.settings });
    this.#state = result.state;
    if (before.phase.name !== result.state.phase.name) {
      this.options.logger.info({ input: input.type, from: before.phase.name, to: result.state.phase.name }, 'session phase changed');
    }
    // Effects run before readiness listeners hear of the change, so a listener that
    // re-enters (ends the session, say) never finds an effect of this step still to come.
    for (const effect of result.effects) this.#run(effect);
    const record = { before, after: result.state, input, now };
    for (const listener of [...this.#stepListeners]) this.#call(() => listener(record), 'step listener failed');
    this.#notifyReadiness();
    return result;
  }

  #notifyReadiness(): void {
    const now = this.readiness();
    if (now.reason === this.#readiness.reason) return;
    const previous = this.#readiness;
    this.options.logger.info({ from: previous.reason, to: now.reason, statusMessage: now.statusMessage }, 'readiness changed');
    this.#readiness = now;
    for (const listener of [...this.#readinessListeners]) this.#call(() => listener(now, previous), 'readiness listener failed');
  }

  /**
   * Runs a listener; one that throws is logged and does not stop the others (the event
   * streams, the probe's answer, the metrics) nor fail the step that has already happened.
   */
  #call(listener: () => void, msg: string): void {
    try {
      listener();
    } catch (err) {
      this.options.logger.error({ err }, msg);
    }
  }

  #run(effect: Effect): void {
    switch (effect.type) {
      case 'dispatchEnded':
        this.options.logger.info({ event: effect.event, ...effect.payload }, 'session ended');
        this.options.bus.emit(effect.event, effect.payload);
        return;
      case 'dispatchCredentials': {
        const unchanged = this.#credentials !== undefined && sameCredentials(this.#credentials, effect.payload);
        this.#credentials = effect.payload;
        // Only the fact is logged: credentials are secrets. The same ones again change
        // nothing, so they log at debug level (they are dispatched all the same).
        const line = { event: effect.event, turn: effect.payload.turnDetails !== undefined, unchanged };
        if (unchanged) this.options.logger.debug?.(line, 'credentials received');
        else this.options.logger.info(line, 'credentials received');
        this.options.bus.emit(effect.event, effect.payload);
        return;
      }
      case 'dispatchIdleWarning':
        this.options.logger.info({ event: effect.event, ...effect.payload }, 'idle warning: no user input');
        this.options.bus.emit(effect.event, effect.payload);
        return;
      case 'dispatchIdleWarningCancelled':
        this.options.logger.info({ event: effect.event }, 'idle warning cancelled');
        this.options.bus.emit(effect.event, effect.payload);
        return;
      case 'startTimer':
        this.#timers.start(effect.timer, effect.ms);
        return;
      case 'cancelTimer':
        this.#timers.cancel(effect.timer);
        return;
      case 'warn':
        this.options.logger.warn(effect.details, effect.msg);
        return;
      case 'quit':
        this.options.logger.info({ exitCode: effect.exitCode }, 'quitting: quitOnSessionEnded is set');
        this.options.onQuit(effect.exitCode);
        return;
      default:
        assertNever(effect);
    }
  }

}

/** Whether two sets of credentials hold the same values (they are small, plain JSON). */
function sameCredentials(a: StreamingCredentials, b: StreamingCredentials): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
