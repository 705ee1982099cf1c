// One receiver's queue: events go in synchronously, in the order they happen, and are posted
// one at a time in that order, each until the receiver takes it (at least once). Nothing the
// session or the HTTP layer does ever waits for it.
import type { WebhookView } from '../../generated/types.gen.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { WebhookEntry, WebhookSigner } from './signer.js';

/** How a delivery attempt or a waiting event fared, as the metric counts it. */
export type WebhookOutcome = 'delivered' | 'failed' | 'dropped' | 'undelivered';

/** Back-off after the nth failure in a row: 1 s, 2 s, 4 s ... up to 30 s. */
export const backoffMs = (failures: number): number => Math.min(1000 * 2 ** (failures - 1), 30_000);

/** While the service quits, a failed attempt is tried again after at most this long. */
const HURRIED_BACKOFF_MS = 500;

export interface OutboxOptions {
  url: string;
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
  capacity: number;
  signer: () => Promise<WebhookSigner>;
  onOutcome: (outcome: WebhookOutcome) => void;
}

export class WebhookOutbox {
  readonly #queue: WebhookEntry[] = [];
  #running = false;
  #stopped = false;
  #hurried = false;
  #failures = 0;
  #dropped = 0;
  #overflowing = false;
  #lastDelivery: WebhookView['lastDelivery'] = null;
  #lastFailure: WebhookView['lastFailure'] = null;
  #request: AbortController | undefined;
  #backoff: { timer: TimerHandle; wake: () => void } | undefined;
  readonly #idle = new Set<() => void>();

  constructor(private readonly options: OutboxOptions) {}

  get url(): string {
    return this.options.url;
  }

  view(): WebhookView {
    return { url: this.url, queued: this.#queue.length, dropped: this.#dropped, lastDelivery: this.#lastDelivery, lastFailure: this.#lastFailure };
  }

  /** Queues `entry` after the others; when `capacity` wait already, the oldest not being sent is dropped. */
  enqueue(entry: WebhookEntry): void {
    if (this.#stopped) return;
    if (this.#queue.length >= this.options.capacity) {
      // The one being sent stays: it may have reached the receiver already.
      const oldest = this.#running ? 1 : 0;
      const [dropped] = this.#queue.length > oldest ? this.#queue.splice(oldest, 1) : [entry];
      this.#dropped++;
      this.options.onOutcome('dropped');
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.options.logger.warn(
          { url: this.url, capacity: this.options.capacity, type: dropped!.type, id: dropped!.id },
          'webhook queue full: the oldest waiting events are dropped until it empties (counted in livestream_session_webhook_deliveries_total{outcome="dropped"})',
        );
      }
      if (dropped === entry) return;
    }
    this.#queue.push(entry);
    if (!this.#running) void this.#run();
  }

  /** The service is quitting: what waits for a back-off is tried now, and failures again soon. */
  hurry(): void {
    this.#hurried = true;
    this.#wake();
  }

  /** Resolves once nothing waits (at once when nothing does). */
  whenIdle(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Stops delivering, cancels the attempt in course, and returns what was not delivered. */
  stop(): WebhookEntry[] {
    this.#stopped = true;
    this.#request?.abort();
    this.#wake();
    const left = this.#queue.splice(0);
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
    return left;
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0 && !this.#stopped) {
      const entry = this.#queue[0]!;
      const error = await this.#attempt(entry);
      if (this.#stopped) break;
      if (error === UNSENDABLE) {
        this.#queue.shift();
        this.#dropped++;
        this.options.onOutcome('dropped');
        continue;
      }
      if (error === undefined) {
        this.#queue.shift();
        this.#delivered(entry);
        continue;
      }
      this.#failed(entry, error);
      const wait = backoffMs(this.#failures);
      await this.#sleep(this.#hurried ? Math.min(wait, HURRIED_BACKOFF_MS) : wait);
    }
    this.#running = false;
    if (this.#queue.length > 0 && !this.#stopped) return;
    this.#overflowing = false;
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }

  /** Posts `entry` once; resolves with why it failed (UNSENDABLE: it never can be sent), or undefined when the receiver took it. */
  async #attempt(entry: WebhookEntry): Promise<string | typeof UNSENDABLE | undefined> {
    const { clock, timeoutMs } = this.options;
    const request = (this.#request = new AbortController());
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      request.abort();
    }, timeoutMs);
    try {
      const signer = await this.options.signer();
      const encoded = (entry.encoded ??= this.#encode(signer, entry));
      const response = await fetch(this.url, {
        method: 'POST',
        headers: signer.headers(entry, encoded, new Date()),
        body: encoded.body,
        redirect: 'manual',
        signal: request.signal,
      });
      // The answer's body says nothing we use: it is dropped unread, however long it is.
      await response.body?.cancel().catch(() => {});
      return response.status >= 200 && response.status < 300 ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      if (error instanceof Unsendable) return UNSENDABLE;
      if (timedOut) return `timed out after ${timeoutMs / 1000} s`;
      return describe(error);
    } finally {
      clock.clearTimeout(timer);
      this.#request = undefined;
    }
  }

  #encode(signer: WebhookSigner, entry: WebhookEntry) {
    try {
      return signer.encode(entry);
    } catch (error) {
      // No attempt can ever send it: it is dropped rather than holding up the rest for good.
      this.options.logger.error({ url: this.url, type: entry.type, id: entry.id, err: error }, 'webhook event cannot be made into a CloudEvent: dropped');
      throw new Unsendable();
    }
  }

  #delivered(entry: WebhookEntry): void {
    this.#lastDelivery = { at: new Date().toISOString(), type: entry.type, id: entry.id };
    this.options.onOutcome('delivered');
    this.options.logger.debug?.({ url: this.url, type: entry.type, id: entry.id }, 'webhook delivered');
    if (this.#failures > 0) this.options.logger.info({ url: this.url, type: entry.type, id: entry.id, attempts: this.#failures + 1 }, 'webhook delivered again after failures');
    this.#failures = 0;
  }

  #failed(entry: WebhookEntry, error: string): void {
    this.#failures++;
    this.#lastFailure = { at: new Date().toISOString(), type: entry.type, id: entry.id, error };
    this.options.onOutcome('failed');
    // One line per run of failures: a receiver down for an hour is not a line a second.
    const line = { url: this.url, type: entry.type, id: entry.id, error, attempt: this.#failures, queued: this.#queue.length };
    if (this.#failures === 1) this.options.logger.warn(line, 'webhook delivery failed; it is tried again with back-off');
    else this.options.logger.debug?.(line, 'webhook delivery failed again');
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.options.clock.clearTimeout(timer);
        this.#backoff = undefined;
        resolve();
      };
      const timer = this.options.clock.setTimeout(wake, ms);
      this.#backoff = { timer, wake };
    });
  }

  #wake(): void {
    this.#backoff?.wake();
  }
}

class Unsendable extends Error {}
const UNSENDABLE = Symbol('unsendable');

/** A failed fetch's reason without its URL: the connection error's code when there is one. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
