import type { AgonesView } from '../../generated/types.gen.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Readiness } from '../core/readiness.js';
import type { Logger } from '../core/logger.js';
import type { Session, StepRecord } from '../core/session.js';
import { labelValue } from './labels.js';
import { SdkCallTimedOut, type AgonesCall, type AgonesSdk } from './sdk.js';

/** Label keys; Agones shows them as `agones.dev/sdk-session-id` and `agones.dev/sdk-readiness`. */
export const SESSION_LABEL = 'session-id';
export const READINESS_LABEL = 'readiness';

/** Back-off between tries of a call the sidecar did not take: doubling, up to the cap. */
export const RETRY_FIRST_MS = 200;
export const RETRY_MAX_MS = 5000;
/** How long a quitting service waits for the sidecar to take `Shutdown` before it exits all the same. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/** A lifecycle call: they go out one at a time, in order, never behind a label. */
type LifecycleCall = 'ready' | 'shutdown';

/** What became of one call. */
type Outcome = 'taken' | 'refused' | 'timed out';

export interface AgonesAdapterOptions {
  session: Session;
  sdk: AgonesSdk;
  clock: Clock;
  logger: Logger;
  healthPeriodMs: number;
}

/**
 * Drives the pod's Agones GameServer from the session: `Ready` when readiness first reaches
 * READY_FOR_CONNECTION and again after each session that ended without quitting, health
 * pings while the application lives, the session id and readiness as labels, `Shutdown`
 * when the service quits. Lifecycle calls and labels go out on two lanes, each one call at
 * a time, so that a slow label never holds back `Ready` or `Shutdown`. A lifecycle call the
 * sidecar does not take (it may start after us) is tried again with back-off, and so is a
 * label it refuses. A label is sent at its latest value only: one that has a newer value
 * behind it, or that the sidecar did not answer in time (it may still carry it out), is not
 * sent again.
 */
export class AgonesAdapter {
  readonly #options: AgonesAdapterOptions;
  readonly #lifecycle: LifecycleCall[] = [];
  /** Label values not yet sent, by key: a newer value replaces one still waiting. */
  readonly #labels = new Map<string, string>();
  readonly #lifecycleLane: Lane;
  readonly #labelLane: Lane;
  readonly #unsubscribe: Array<() => void>;
  #healthTimer: TimerHandle | undefined;
  #healthPings = true;
  /** Whether the next READY_FOR_CONNECTION calls `Ready`: at start-up, and after a session ended. */
  #readyDue = true;
  #stopped = false;
  /** The last failure logged, so that a sidecar that stays away is logged once. */
  #loggedFailure: string | undefined;
  #shutdownSent: (() => void) | undefined;
  #state: AgonesView['state'] = null;
  #lastCall: AgonesView['lastCall'] = null;
  #lastError: string | null = null;

  constructor(options: AgonesAdapterOptions) {
    this.#options = options;
    this.#lifecycleLane = new Lane(options.clock, () => this.#sendLifecycle());
    this.#labelLane = new Lane(options.clock, () => this.#sendLabel());
    const { session } = options;
    this.#unsubscribe = [session.onReadinessChange((now) => this.#readinessChanged(now)), session.onStep((step) => this.#stepped(step))];
    this.#readinessChanged(session.readiness());
    this.#ping();
  }

  view(): AgonesView {
    return {
      sdkUrl: this.#options.sdk.url,
      state: this.#state,
      lastCall: this.#lastCall,
      lastError: this.#lastError,
      healthPings: this.#healthPings,
      pendingCalls: [...this.#lifecycle, ...[...this.#labels.keys()].map(() => 'setlabel' as const)],
    };
  }

  /**
   * Sends `Shutdown` after the lifecycle calls still waiting (labels do not hold it back); resolves once the sidecar took it, or
   * after SHUTDOWN_DEADLINE_MS (a service told to quit exits whether or not the sidecar answers).
   */
  shutdown(): Promise<void> {
    this.#stopHealth();
    return new Promise<void>((resolve) => {
      const deadline = this.#options.clock.setTimeout(() => {
        this.#options.logger.warn({ sdkUrl: this.#options.sdk.url }, 'Agones Shutdown not taken in time; exiting all the same');
        done();
      }, SHUTDOWN_DEADLINE_MS);
      const done = () => {
        this.#options.clock.clearTimeout(deadline);
        this.#shutdownSent = undefined;
        this.stop();
        resolve();
      };
      this.#shutdownSent = done;
      this.#call('shutdown');
    });
  }

  /** Stops pings, tries and listening; calls waiting are dropped. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopHealth();
    this.#lifecycleLane.stop();
    this.#labelLane.stop();
    this.#lifecycle.length = 0;
    this.#labels.clear();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  #readinessChanged(readiness: Readiness): void {
    this.#setLabel(READINESS_LABEL, readiness.reason);
    this.#readyIfDue(readiness);
  }

  #readyIfDue(readiness: Readiness): void {
    if (!this.#readyDue || readiness.reason !== 'READY_FOR_CONNECTION') return;
    this.#readyDue = false;
    this.#call('ready');
  }

  #stepped({ before, after, input }: StepRecord): void {
    if (input.type === 'appExited') {
      // Agones marks a server without pings Unhealthy, and replaces it.
      this.#options.logger.warn({}, 'application exited by itself: Agones health pings stopped');
      this.#stopHealth();
      return;
    }
    if (after.lastSessionId !== null && after.lastSessionId !== before.lastSessionId) this.#setLabel(SESSION_LABEL, after.lastSessionId);
    if (input.type === 'credentials') {
      // A portal or allocator that posts credentials may name the session in them.
      const { sessionId } = input.credentials as { sessionId?: unknown };
      if (typeof sessionId === 'string') this.#setLabel(SESSION_LABEL, sessionId);
    }
    if (after.phase.name === 'ended' && before.phase.name !== 'ended') {
      // A reusable server: back into the fleet's Ready pool once it can take a viewer.
      this.#readyDue = true;
      this.#readyIfDue(this.#options.session.readiness());
    }
  }

  #setLabel(key: string, text: string): void {
    if (this.#stopped) return;
    this.#labels.set(key, labelValue(text));
    this.#labelLane.kick();
  }

  #call(call: LifecycleCall): void {
    if (this.#stopped) return;
    this.#lifecycle.push(call);
    this.#lifecycleLane.kick();
  }

  async #sendLifecycle(): Promise<Outcome | 'idle'> {
    const call = this.#lifecycle[0];
    if (call === undefined) return 'idle';
    const outcome = await this.#attempt(call, () => this.#options.sdk[call]());
    // Not taken, or not answered in time: tried again (the sidecar takes either twice alike).
    if (outcome !== 'taken') return 'refused';
    this.#lifecycle.shift();
    if (call === 'ready') this.#state = 'Ready';
    if (call === 'shutdown') {
      this.#options.logger.info({ sdkUrl: this.#options.sdk.url }, 'Agones GameServer shut down');
      this.#state = 'Shutdown';
      this.#shutdownSent?.();
    }
    return 'taken';
  }

  async #sendLabel(): Promise<Outcome | 'idle'> {
    const next = this.#labels.entries().next();
    if (next.done) return 'idle';
    const [key, value] = next.value;
    this.#labels.delete(key);
    const outcome = await this.#attempt('setlabel', () => this.#options.sdk.setLabel(key, value));
    // Refused, and nothing newer for its key: it is tried again.
    if (outcome === 'refused' && !this.#labels.has(key)) {
      this.#labels.set(key, value);
      return 'refused';
    }
    return outcome;
  }

  async #attempt(call: AgonesCall, run: () => Promise<void>): Promise<Outcome> {
    try {
      await run();
      this.#lastCall = { call, ok: true };
      if (this.#loggedFailure !== undefined) {
        this.#options.logger.info({ sdkUrl: this.#options.sdk.url, call }, 'Agones SDK reachable again');
        this.#loggedFailure = undefined;
      }
      return 'taken';
    } catch (error) {
      const message = errorText(error);
      const timedOut = error instanceof SdkCallTimedOut;
      this.#lastCall = { call, ok: false };
      this.#lastError = message;
      if (message !== this.#loggedFailure) {
        const then = call === 'setlabel' && timedOut ? 'not sent again' : 'trying again';
        this.#options.logger.warn({ sdkUrl: this.#options.sdk.url, call, error: message }, `Agones SDK call failed; ${then}`);
        this.#loggedFailure = message;
      }
      return timedOut ? 'timed out' : 'refused';
    }
  }

  /** One ping now and the next one period later, whatever the answer: a steady beat. */
  #ping(): void {
    if (!this.#healthPings) return;
    this.#healthTimer = this.#options.clock.setTimeout(() => this.#ping(), this.#options.healthPeriodMs);
    void this.#attempt('health', () => this.#options.sdk.health());
  }

  #stopHealth(): void {
    this.#healthPings = false;
    if (this.#healthTimer) this.#options.clock.clearTimeout(this.#healthTimer);
    this.#healthTimer = undefined;
  }
}

/**
 * Calls that go out one at a time: `send` sends the next one, if any; after one the sidecar
 * did not take, the lane waits a back-off (doubling, up to RETRY_MAX_MS) before the next try.
 */
class Lane {
  #sending = false;
  #retryTimer: TimerHandle | undefined;
  #retryMs = RETRY_FIRST_MS;
  #stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly send: () => Promise<Outcome | 'idle'>,
  ) {}

  /** Sends what waits, unless a send or a back-off is under way (it will). */
  kick(): void {
    if (this.#sending || this.#retryTimer || this.#stopped) return;
    void this.#drain();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer) this.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      while (!this.#stopped) {
        const outcome = await this.send();
        if (outcome === 'idle') return;
        if (outcome === 'taken') this.#retryMs = RETRY_FIRST_MS;
        else {
          this.#retryTimer = this.clock.setTimeout(() => {
            this.#retryTimer = undefined;
            this.kick();
          }, this.#retryMs);
          this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
          return;
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}

/** A failure in one line: fetch hides the reason (refused, timed out) in its cause. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
