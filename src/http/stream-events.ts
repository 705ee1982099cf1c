import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KitEventBus } from '../core/bus.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { EventLog, type LoggedEvent } from '../core/event-log.js';
import { DISPATCHED_EVENTS } from '../core/events.js';
import type { Session } from '../core/session.js';
import { HttpError } from './errors.js';
import { STREAMED, type Handler } from './handlers.js';
import type { InflightRequests } from './inflight.js';

/** How often an idle stream gets a comment, so proxies and clients keep it open. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * The open `GET /v1/streaming/events` streams: first the current readiness, then every
 * dispatched Kit event and every readiness change, as Server-Sent Events. Events are
 * numbered once for all listeners and the last ones kept, so a listener that reconnects
 * with `Last-Event-ID` is sent what it missed.
 */
export class EventStreams {
  readonly #open = new Map<ServerResponse, TimerHandle>();
  readonly log = new EventLog();

  constructor(
    private readonly session: Session,
    bus: KitEventBus,
    private readonly clock: Clock,
    /** Most streams open at once: each holds a connection. */
    private readonly max: number = Number.POSITIVE_INFINITY,
  ) {
    session.onReadinessChange((readiness) => this.#broadcast(this.log.append('readiness', readiness)));
    for (const name of DISPATCHED_EVENTS) bus.on(name, (payload) => this.#broadcast(this.log.append(name, payload)));
  }

  get size(): number {
    return this.#open.size;
  }

  /** Opens a stream on `res`, unless as many are open as allowed. */
  open(req: IncomingMessage, res: ServerResponse): HttpError | typeof STREAMED {
    if (this.#open.size >= this.max) {
      const message = `${this.max} event streams are open already, the most the maxEventStreams setting allows`;
      return new HttpError({ status: 429, code: 'TOO_MANY_STREAMS', message, headers: { 'Retry-After': '5' } });
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // The stream holds its connection until it ends; then the socket goes too, so that
      // closing the server never waits on it.
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    });
    const { from, events } = this.log.since(lastEventId(req));
    write(res, { id: from, event: 'readiness', data: this.session.readiness() });
    for (const event of events) write(res, event);
    this.#open.set(res, this.#keepAlive(res));
    req.socket.setNoDelay(true);
    res.on('close', () => {
      const timer = this.#open.get(res);
      if (timer) this.clock.clearTimeout(timer);
      this.#open.delete(res);
    });
    return STREAMED;
  }

  closeAll(): void {
    for (const res of this.#open.keys()) res.end();
  }

  #broadcast(event: LoggedEvent): void {
    for (const res of this.#open.keys()) write(res, event);
  }

  #keepAlive(res: ServerResponse): TimerHandle {
    return this.clock.setTimeout(() => {
      if (!this.#open.has(res)) return;
      res.write(': keep-alive\n\n');
      this.#open.set(res, this.#keepAlive(res));
    }, KEEP_ALIVE_MS);
  }
}

function write(res: ServerResponse, { id, event, data }: LoggedEvent): void {
  res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** `GET /v1/streaming/events`: an endless stream, which leaves the answers quitting waits for. */
export function streamEvents(streams: EventStreams, inflight: InflightRequests): Handler<'streamEvents'> {
  return (_request, { req, res }) => {
    const opened = streams.open(req, res);
    if (opened !== STREAMED) return { status: 429, body: opened.toBody(), headers: opened.headers };
    inflight.release(res);
    return STREAMED;
  };
}

function lastEventId(req: IncomingMessage): string | undefined {
  const value = req.headers['last-event-id'];
  return Array.isArray(value) ? value[0] : value;
}
