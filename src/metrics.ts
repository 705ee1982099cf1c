import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KitEventBus } from './core/bus.js';
import { SESSION_ENDED_EVENT } from './core/events.js';
import { READINESS_TABLE } from './core/readiness.js';
import type { Session } from './core/session.js';

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];
const RESUME_BUCKETS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

/** Node's process metrics, collected once per process however many services it runs. */
let processRegistry: Registry | undefined;

/**
 * The service's Prometheus metrics, in a registry of its own (several services may share a
 * process): readiness now and its transitions, sessions ended by cause, how long sessions
 * and resume windows last, and request counts.
 */
export class ServiceMetrics {
  readonly #registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #webhooks: Counter<'outcome'>;

  constructor(session: Session, bus: KitEventBus) {
    const registers = [this.#registry];
    new Gauge({
      name: 'livestream_session_readiness',
      help: 'The readiness row that holds now (1) and those that do not (0), by reason code.',
      labelNames: ['reason'],
      registers,
      collect() {
        const now = session.readiness().reason;
        for (const row of READINESS_TABLE) this.set({ reason: row.reason }, row.reason === now ? 1 : 0);
      },
    });
    new Gauge({
      name: 'livestream_session_ready',
      help: 'Whether GET /v1/streaming/ready answers 200 now.',
      registers,
      collect() {
        this.set(session.readiness().httpStatus === 200 ? 1 : 0);
      },
    });
    new Gauge({
      name: 'livestream_session_clients',
      help: 'Streaming clients connected now.',
      registers,
      collect() {
        this.set(session.state.clients);
      },
    });
    const transitions = new Counter({ name: 'livestream_session_readiness_transitions_total', help: 'Readiness changes, by the reason before and after.', labelNames: ['from', 'to'], registers });
    const ended = new Counter({
      name: 'livestream_session_sessions_ended_total',
      help: 'Sessions ended, by cause (GRACEFUL_SHUTDOWN, RESUME_TIMEOUT, RESUME_DISABLED, MAX_SESSION_LENGTH, NO_CLIENT_CONNECTED, SHUTDOWN, IDLE_TIMEOUT).',
      labelNames: ['cause'],
      registers,
    });
    const sessionSeconds = new Histogram({ name: 'livestream_session_session_duration_seconds', help: 'From the first client connecting to the session ending.', buckets: DURATION_BUCKETS, registers });
    const resumeSeconds = new Histogram({
      name: 'livestream_session_resume_wait_seconds',
      help: 'How long resume windows stayed open, by outcome (resumed or ended).',
      labelNames: ['outcome'],
      buckets: RESUME_BUCKETS,
      registers,
    });
    this.#requests = new Counter({
      name: 'livestream_session_http_requests_total',
      help: 'HTTP requests answered, by method, route (the spec path, or "unmatched") and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#webhooks = new Counter({
      name: 'livestream_session_webhook_deliveries_total',
      help: 'Webhook events by outcome: delivered, failed (an attempt; tried again), dropped (the queue was full), undelivered (left when the service stopped).',
      labelNames: ['outcome'],
      registers,
    });

    session.onReadinessChange((now, previous) => transitions.inc({ from: previous.reason, to: now.reason }));
    bus.on(SESSION_ENDED_EVENT, (payload) => ended.inc({ cause: payload.cause }));
    let sessionStartedAt: number | undefined;
    session.onStep(({ before, after, now }) => {
      if (sessionStartedAt === undefined && after.clients > 0 && after.phase.name === 'open') sessionStartedAt = now;
      if (before.phase.name === 'awaitingResume' && after.phase.name !== 'awaitingResume') {
        resumeSeconds.observe({ outcome: after.phase.name === 'open' ? 'resumed' : 'ended' }, (now - before.phase.openedAt) / 1000);
      }
      const endedNow = (after.phase.name === 'ended' || after.phase.name === 'recycling') && before.phase.name !== after.phase.name;
      if (endedNow && sessionStartedAt !== undefined) {
        sessionSeconds.observe((now - sessionStartedAt) / 1000);
        sessionStartedAt = undefined;
      }
    });
  }

  countRequest(method: string, route: string, status: number): void {
    this.#requests.inc({ method, route, status: String(status) });
  }

  /** A webhook event delivered, an attempt failed, an event dropped (queue full) or left undelivered at exit. */
  countWebhook(outcome: 'delivered' | 'failed' | 'dropped' | 'undelivered'): void {
    this.#webhooks.inc({ outcome });
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    if (processRegistry === undefined) {
      processRegistry = new Registry();
      collectDefaultMetrics({ register: processRegistry });
    }
    const text = (await this.#registry.metrics()) + (await processRegistry.metrics());
    return { contentType: this.#registry.contentType, text };
  }
}
