import type { Counter, Histogram, Registry } from 'prom-client';
import type { KitEventBus } from './core/bus.js';
import { SESSION_ENDED_EVENT } from './core/events.js';
import { READINESS_TABLE } from './core/readiness.js';
import type { Session } from './core/session.js';
import { preloadPackages } from './http/preload.js';

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];
const RESUME_BUCKETS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

type Labels = Record<string, string>;

/** Observations kept before prom-client takes them, when nobody scrapes. */
export const PENDING_OBSERVATIONS_MAX = 1024;

/** Node's process metrics, collected once per process however many services it runs. */
let processRegistry: Promise<Registry> | undefined;

let promClientLoading: Promise<typeof import('prom-client')> | undefined;

/** prom-client, loaded a package per turn of the event loop: probes polled meanwhile are answered. */
const promClient = () => (promClientLoading ??= preloadPackages(['prom-client']).then(() => import('prom-client')));

/**
 * Counts and observations kept in plain maps until the next scrape hands them to
 * prom-client. prom-client loads on the first `GET /metrics`, not at start-up (it costs
 * a sixth of the start-up time); what happened before is all there.
 */
class Tally {
  readonly #counts = new Map<string, number>();
  readonly #observations: Array<[string, number]> = [];

  /** `labelNames` in a fixed order: a count is keyed by its label values alone (the hot path). */
  constructor(private readonly labelNames: readonly string[] = []) {}

  inc(...values: string[]): void {
    const key = values.join('\u0000');
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Returns how many observations wait for prom-client. */
  observe(value: number, ...values: string[]): number {
    return this.#observations.push([values.join('\u0000'), value]);
  }

  get waiting(): number {
    return this.#observations.length;
  }

  /** Hands what was counted since the last scrape to a prom-client counter or histogram. */
  drainInto(metric: Counter<string> | Histogram<string>): void {
    if ('inc' in metric) for (const [key, n] of this.#counts) metric.inc(this.#labels(key), n);
    else for (const [key, value] of this.#observations) metric.observe(this.#labels(key), value);
    this.#counts.clear();
    this.#observations.length = 0;
  }

  #labels(key: string): Labels {
    const values = key.split('\u0000');
    return Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!]));
  }
}

/**
 * The service's Prometheus metrics, in a registry of its own (several services may share a
 * process): readiness now and its transitions, sessions ended by cause, how long sessions
 * and resume windows last, and request counts.
 */
export class ServiceMetrics {
  readonly #transitions = new Tally(['from', 'to']);
  readonly #ended = new Tally(['cause']);
  readonly #sessionSeconds = new Tally();
  readonly #resumeSeconds = new Tally(['outcome']);
  readonly #requests = new Tally(['method', 'route', 'status']);
  #registry: Promise<Registry> | undefined;
  readonly #drains: Array<() => void> = [];

  constructor(private readonly session: Session, bus: KitEventBus) {
    session.onReadinessChange((now, previous) => this.#transitions.inc(previous.reason, now.reason));
    bus.on(SESSION_ENDED_EVENT, (payload) => this.#ended.inc(payload.cause));

    let sessionStartedAt: number | undefined;
    session.onStep(({ before, after, now }) => {
      if (sessionStartedAt === undefined && after.clients > 0 && after.phase.name === 'open') sessionStartedAt = now;
      if (before.phase.name === 'awaitingResume' && after.phase.name !== 'awaitingResume') {
        this.#bounded(this.#resumeSeconds.observe((now - before.phase.openedAt) / 1000, after.phase.name === 'open' ? 'resumed' : 'ended'));
      }
      const endedNow = (after.phase.name === 'ended' || after.phase.name === 'recycling') && before.phase.name !== after.phase.name;
      if (endedNow && sessionStartedAt !== undefined) {
        this.#bounded(this.#sessionSeconds.observe((now - sessionStartedAt) / 1000));
        sessionStartedAt = undefined;
      }
    });
  }

  /**
   * Observations wait in a list until a scrape; if nobody scrapes, prom-client loads once
   * the list is long and takes them, so that memory stays bounded however many sessions end.
   */
  #bounded(waiting: number): void {
    if (waiting < PENDING_OBSERVATIONS_MAX) return;
    void (this.#registry ??= this.#build()).then(() => {
      for (const drain of this.#drains) drain();
    });
  }

  /** Observations not yet handed to prom-client. */
  get waitingObservations(): number {
    return this.#sessionSeconds.waiting + this.#resumeSeconds.waiting;
  }

  countRequest(method: string, route: string, status: number): void {
    this.#requests.inc(method, route, String(status));
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    const registry = await (this.#registry ??= this.#build());
    processRegistry ??= promClient().then(({ Registry, collectDefaultMetrics }) => {
      const r = new Registry();
      collectDefaultMetrics({ register: r });
      return r;
    });
    const text = (await registry.metrics()) + (await (await processRegistry).metrics());
    return { contentType: registry.contentType, text };
  }

  async #build(): Promise<Registry> {
    const { Counter, Gauge, Histogram, Registry } = await promClient();
    const registry = new Registry();
    const registers = [registry];
    const { session } = this;
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
    const drained = <T extends Counter<string> | Histogram<string>>(tally: Tally, metric: T) => {
      const drain = () => tally.drainInto(metric);
      (metric as { collect?: () => void }).collect = drain;
      this.#drains.push(drain);
    };
    drained(this.#transitions, new Counter({ name: 'livestream_session_readiness_transitions_total', help: 'Readiness changes, by the reason before and after.', labelNames: ['from', 'to'], registers }));
    drained(this.#ended, new Counter({ name: 'livestream_session_sessions_ended_total', help: 'Sessions ended, by cause (GRACEFUL_SHUTDOWN, RESUME_TIMEOUT, RESUME_DISABLED, MAX_SESSION_LENGTH, NO_CLIENT_CONNECTED, SHUTDOWN, IDLE_TIMEOUT).', labelNames: ['cause'], registers }));
    drained(this.#sessionSeconds, new Histogram({ name: 'livestream_session_session_duration_seconds', help: 'From the first client connecting to the session ending.', buckets: DURATION_BUCKETS, registers }));
    drained(
      this.#resumeSeconds,
      new Histogram({ name: 'livestream_session_resume_wait_seconds', help: 'How long resume windows stayed open, by outcome (resumed or ended).', labelNames: ['outcome'], buckets: RESUME_BUCKETS, registers }),
    );
    drained(
      this.#requests,
      new Counter({ name: 'livestream_session_http_requests_total', help: 'HTTP requests answered, by method, route (the spec path, or "unmatched") and status.', labelNames: ['method', 'route', 'status'], registers }),
    );
    return registry;
  }
}
