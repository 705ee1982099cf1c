import type { AgonesView } from '../../generated/types.gen.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Readiness } from '../core/readiness.js';
import type { Session, StepRecord } from '../core/session.js';
import { labelValue } from './labels.js';
import type { AgonesCall, AgonesSdk } from './sdk.js';

/** Label keys; Agones shows them as `agones.dev/sdk-session-id` and `agones.dev/sdk-readiness`. */
export const SESSION_LABEL = 'session-id';
export const READINESS_LABEL = 'readiness';

/** Back-off between tries of a call the sidecar did not take: doubling, up to the cap. */
export const RETRY_FIRST_MS = 200;
export const RETRY_MAX_MS = 5000;
/** How long a quitting service waits for the sidecar to take `Shutdown` before it exits all the same. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

export interface AgonesLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A call that waits its turn (health pings do not: the next one comes anyway). */
type Op = { call: 'ready' } | { call: 'shutdown' } | { call: 'setlabel'; readonly key: string; value: string };

export interface AgonesAdapterOptions {
  session: Session;
  sdk: AgonesSdk;
  clock: Clock;
  logger: AgonesLogger;
  healthPeriodMs: number;
}

/**
 * Drives the pod's Agones GameServer from the session: `Ready` when readiness first reaches
 * READY_FOR_CONNECTION and again after each session that ended without quitting, health
 * pings while the application lives, the session id and readiness as labels, `Shutdown`
 * when the service quits. Calls go out one at a time, in order; one the sidecar does not
 * take (it may start after us) is tried again with back-off, so nothing waits for it.
 */
export class AgonesAdapter {
  readonly #options: AgonesAdapterOptions;
  readonly #queue: Op[] = [];
  readonly #unsubscribe: Array<() => void>;
  #sending = false;
  /** The call on its way: a newer label value never replaces it, it follows it. */
  #inFlight: Op | undefined;
  #retryTimer: TimerHandle | undefined;
  #retryMs = RETRY_FIRST_MS;
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
      pendingCalls: this.#queue.map((op) => op.call),
    };
  }

  /**
   * Sends `Shutdown` after the calls still waiting; resolves once the sidecar took it, or
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
      this.#enqueue({ call: 'shutdown' });
    });
  }

  /** Stops pings, tries and listening; calls waiting are dropped. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopHealth();
    if (this.#retryTimer) this.#options.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#queue.length = 0;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  #readinessChanged(readiness: Readiness): void {
    this.#setLabel(READINESS_LABEL, readiness.reason);
    this.#readyIfDue(readiness);
  }

  #readyIfDue(readiness: Readiness): void {
    if (!this.#readyDue || readiness.reason !== 'READY_FOR_CONNECTION') return;
    this.#readyDue = false;
    this.#enqueue({ call: 'ready' });
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
    const value = labelValue(text);
    // A newer value of a label still waiting takes its place: only the latest matters.
    const waiting = this.#queue.find((op) => op.call === 'setlabel' && op.key === key && op !== this.#inFlight);
    if (waiting?.call === 'setlabel') waiting.value = value;
    else this.#enqueue({ call: 'setlabel', key, value });
  }

  #enqueue(op: Op): void {
    if (this.#stopped) return;
    this.#queue.push(op);
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#sending || this.#retryTimer || this.#stopped) return;
    this.#sending = true;
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
        const op = (this.#inFlight = this.#queue[0]!);
        const ok = await this.#send(op);
        this.#inFlight = undefined;
        if (!ok) {
          // A label value that did not go out and has a newer one behind it is never sent.
          if (op.call === 'setlabel' && this.#queue.some((o) => o !== op && o.call === 'setlabel' && o.key === op.key)) this.#queue.shift();
          this.#retryTimer = this.#options.clock.setTimeout(() => {
            this.#retryTimer = undefined;
            void this.#drain();
          }, this.#retryMs);
          this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
          return;
        }
        this.#retryMs = RETRY_FIRST_MS;
        if (this.#queue[0] === op) this.#queue.shift();
        if (op.call === 'ready') this.#state = 'Ready';
        if (op.call === 'shutdown') {
          this.#options.logger.info({ sdkUrl: this.#options.sdk.url }, 'Agones GameServer shut down');
          this.#state = 'Shutdown';
          this.#shutdownSent?.();
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  async #send(op: Op): Promise<boolean> {
    const { sdk } = this.#options;
    return this.#attempt(op.call, () => (op.call === 'setlabel' ? sdk.setLabel(op.key, op.value) : sdk[op.call]()));
  }

  async #attempt(call: AgonesCall, run: () => Promise<void>): Promise<boolean> {
    try {
      await run();
      this.#lastCall = { call, ok: true };
      if (this.#loggedFailure !== undefined) {
        this.#options.logger.info({ sdkUrl: this.#options.sdk.url, call }, 'Agones SDK reachable again');
        this.#loggedFailure = undefined;
      }
      return true;
    } catch (error) {
      const message = errorText(error);
      this.#lastCall = { call, ok: false };
      this.#lastError = message;
      if (message !== this.#loggedFailure) {
        this.#options.logger.warn({ sdkUrl: this.#options.sdk.url, call, error: message }, 'Agones SDK call failed; trying again');
        this.#loggedFailure = message;
      }
      return false;
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

/** A failure in one line: fetch hides the reason (refused, timed out) in its cause. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
