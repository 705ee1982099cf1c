// Webhooks: each session event, as a signed CloudEvent, posted to every receiver webhookUrl
// names, in order, at least once; and what waits is delivered before the service exits.
import { randomUUID } from 'node:crypto';
import type { WebhookView } from '../../generated/types.gen.js';
import type { KitEventBus } from '../core/bus.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Session } from '../core/session.js';
import { listItems, type Settings } from '../settings/table.js';
import { watchSession, type WebhookEvent } from './events.js';
import { WebhookOutbox, type WebhookOutcome } from './outbox.js';
import { loadSigner, type WebhookSigner } from './signer.js';

export { WEBHOOK_EVENT_NAMES, WEBHOOK_TYPE_PREFIX, type WebhookEventData, type WebhookEventName } from './events.js';
export type { WebhookOutcome } from './outbox.js';

export interface WebhooksStart {
  session: Session;
  bus: KitEventBus;
  settings: Readonly<Settings>;
  clock: Clock;
  logger: Logger;
  /** The CloudEvents `source`, read when an event is first sent (the port is known by then). */
  source: () => string;
  onOutcome: (outcome: WebhookOutcome) => void;
}

export class Webhooks {
  readonly #outboxes: WebhookOutbox[];
  readonly #stopWatching: () => void;
  #flushing: Promise<void> | undefined;

  constructor(private readonly start: WebhooksStart & { urls: readonly string[]; secret: string }) {
    const { settings, clock, logger, onOutcome } = start;
    let signer: Promise<WebhookSigner> | undefined;
    const load = () => (signer ??= loadSigner(start.secret, start.source));
    // Loaded now, so that the first event does not wait for it.
    void load().catch(() => {});
    this.#outboxes = start.urls.map(
      (url) => new WebhookOutbox({ url, clock, logger, timeoutMs: settings.webhookTimeoutSeconds * 1000, capacity: settings.webhookQueueSize, signer: load, onOutcome }),
    );
    this.#stopWatching = watchSession(start.session, start.bus, clock, (event) => this.#enqueue(event));
  }

  /** What /status shows: each receiver's queue, last delivery and last failure. */
  view(): WebhookView[] {
    return this.#outboxes.map((outbox) => outbox.view());
  }

  /**
   * The service is quitting: delivers what waits, within webhookFlushSeconds, then stops and
   * logs what it could not deliver. Called again, it answers the first call's promise.
   */
  flush(): Promise<void> {
    return (this.#flushing ??= this.#flush());
  }

  async #flush(): Promise<void> {
    const { clock, logger, onOutcome, settings } = this.start;
    for (const outbox of this.#outboxes) outbox.hurry();
    const deadlineMs = settings.webhookFlushSeconds * 1000;
    const idle = Promise.all(this.#outboxes.map((outbox) => outbox.whenIdle()));
    if (deadlineMs > 0) {
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      await Promise.race([idle, new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, deadlineMs)))]);
      clock.clearTimeout(timer!);
    }
    this.#stopWatching();
    for (const outbox of this.#outboxes) {
      const left = outbox.stop();
      if (left.length === 0) continue;
      for (const _ of left) onOutcome('undelivered');
      logger.warn(
        { url: outbox.url, count: left.length, events: left.map(({ type, id }) => ({ type, id })), webhookFlushSeconds: settings.webhookFlushSeconds },
        'webhook events not delivered before the service stopped',
      );
    }
  }

  #enqueue(event: WebhookEvent): void {
    const entry = { id: randomUUID(), type: event.type, time: new Date().toISOString(), data: event.data };
    // Each receiver has its own copy: one that is slow or down holds up no other.
    for (const outbox of this.#outboxes) outbox.enqueue({ ...entry });
  }
}

/** The webhooks, when webhookUrl names a receiver; else undefined. */
export function startWebhooks(start: WebhooksStart): Webhooks | undefined {
  const { webhookUrl, webhookSecret } = start.settings;
  if (webhookUrl === undefined) return undefined;
  // The settings refuse a URL without a secret; code that builds Settings by hand gets told too.
  if (webhookSecret === undefined) throw new Error('webhookUrl needs webhookSecret');
  const urls = listItems(webhookUrl);
  start.logger.info({ urls }, 'webhooks: each session event is posted to these receivers');
  return new Webhooks({ ...start, urls, secret: webhookSecret });
}
