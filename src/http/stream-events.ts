import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KitEventBus } from '../core/bus.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { EventLog, type LoggedEvent } from '../core/event-log.js';
import { DISPATCHED_EVENTS } from '../core/events.js';
import type { Session } from '../core/session.js';
import { STREAMED, type Handler } from './handlers.js';
import type { InflightRequests } from './inflight.js';

/** How often an idle stream gets a comment, so proxies and clients keep it open. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * Most bytes a stream may have waiting to be sent. A client that stopped reading (or a
 * half-open connection) would otherwise hold every event in memory; its stream is closed,
 * and when it reconnects with `Last-Event-ID` it is sent what it missed of the kept events.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

export interface StreamsLogger {
  warn(obj: object, msg?: string): void;
}

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
    private readonly logger: StreamsLogger,
    /** Most streams open at once: each holds a connection. When full, the oldest makes room. */
    private readonly max: number = Number.POSITIVE_INFINITY,
  ) {
    session.onReadinessChange((readiness) => this.#broadcast(this.log.append('readiness', readiness)));
    for (const name of DISPATCHED_EVENTS) bus.on(name, (payload) => this.#broadcast(this.log.append(name, payload)));
  }

  get size(): number {
    return this.#open.size;
  }

  /**
   * Opens a stream on `res`. A new listener always gets its stream: when as many are open as
   * allowed, the oldest is closed to make room (a stale one, most likely; a live client
   * reconnects with `Last-Event-ID` and loses nothing kept).
   */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.#open.size >= this.max) {
      const oldest = this.#open.keys().next().value!;
      this.logger.warn({ open: this.#open.size, maxEventStreams: this.max }, 'event stream closed to make room for a new one: the oldest goes');
      this.#close(oldest);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // The stream holds its connection until it ends; then the socket goes too, so that
      // closing the server never waits on it.
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    });
    this.#open.set(res, this.#keepAlive(res));
    req.socket.setNoDelay(true);
    res.on('close', () => this.#close(res));
    const { from, events } = this.log.since(lastEventId(req));
    this.#write(res, { id: from, event: 'readiness', data: this.session.readiness() });
    for (const event of events) this.#write(res, event);
  }

  #close(res: ServerResponse): void {
    const timer = this.#open.get(res);
    if (timer === undefined) return;
    this.clock.clearTimeout(timer);
    this.#open.delete(res);
    res.destroy();
  }

  closeAll(): void {
    for (const res of this.#open.keys()) res.end();
  }

  #broadcast(event: LoggedEvent): void {
    for (const res of this.#open.keys()) this.#write(res, event);
  }

  #write(res: ServerResponse, { id, event, data }: LoggedEvent): void {
    if (!this.#open.has(res)) return;
    res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (res.writableLength > MAX_UNSENT_BYTES) {
      this.logger.warn({ unsentBytes: res.writableLength }, 'event stream closed: its client does not read what it is sent');
      this.#close(res);
    }
  }

  #keepAlive(res: ServerResponse): TimerHandle {
    return this.clock.setTimeout(() => {
      if (!this.#open.has(res)) return;
      res.write(': keep-alive\n\n');
      this.#open.set(res, this.#keepAlive(res));
    }, KEEP_ALIVE_MS);
  }
}


/** `GET /v1/streaming/events`: an endless stream, which leaves the answers quitting waits for. */
export function streamEvents(streams: EventStreams, inflight: InflightRequests): Handler<'streamEvents'> {
  return (_request, { req, res }) => {
    inflight.release(res);
    streams.open(req, res);
    return STREAMED;
  };
}

function lastEventId(req: IncomingMessage): string | undefined {
  const value = req.headers['last-event-id'];
  return Array.isArray(value) ? value[0] : value;
}
