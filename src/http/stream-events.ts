import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KitEventBus } from '../core/bus.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { EventLog, type LoggedEvent } from '../core/event-log.js';
import { DISPATCHED_EVENTS } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Session } from '../core/session.js';
import { STREAMED, type Handler } from './handlers.js';

/** How often an idle stream gets a comment, so proxies and clients keep it open. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * Most bytes a stream may have waiting to be sent: past them it is sent nothing more until
 * its client has read them, then the kept events it missed, in order. A client that stopped
 * reading costs no more than this; once behind the kept events its stream is closed (it
 * reconnects with `Last-Event-ID` and is sent what is still kept).
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * The open `GET /v1/streaming/events` streams: every dispatched Kit event and every
 * readiness change, as Server-Sent Events. Events are numbered once for all listeners and
 * the last ones kept, so a listener that reconnects with `Last-Event-ID` is sent what it
 * missed, in order; then, unless that held a readiness event, the current readiness (which
 * is all a new listener is sent first).
 */
export class EventStreams {
  /** Each open stream's keep-alive timer, the last kept event it was sent, and whether the current readiness is due. */
  readonly #open = new Map<ServerResponse, { timer: TimerHandle; sent: number; readinessDue: boolean }>();
  readonly #log = new EventLog();

  constructor(
    private readonly session: Session,
    bus: KitEventBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Most streams open at once: each holds a connection. When full, the oldest makes room. */
    private readonly max: number = Number.POSITIVE_INFINITY,
  ) {
    session.onReadinessChange((readiness) => this.#append('readiness', readiness));
    for (const name of DISPATCHED_EVENTS) bus.on(name, (payload) => this.#append(name, payload));
  }

  /**
   * Opens a stream on `res`. A new listener always gets its stream: when full, the oldest
   * (most likely stale) makes room; a live one reconnects with `Last-Event-ID` and loses nothing.
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
    req.socket.setNoDelay(true);
    res.on('close', () => this.#close(res));
    res.on('drain', () => this.#send(res));
    const { after, events } = this.#log.since([req.headers['last-event-id']].flat()[0]);
    // The last readiness event it is sent is the current readiness: every change is kept.
    this.#open.set(res, { timer: this.#keepAlive(res), sent: after, readinessDue: !events.some((e) => e.event === 'readiness') });
    this.#send(res);
  }

  #close(res: ServerResponse): void {
    const stream = this.#open.get(res);
    if (stream === undefined) return;
    this.clock.clearTimeout(stream.timer);
    this.#open.delete(res);
    res.destroy();
  }

  closeAll(): void {
    for (const res of this.#open.keys()) res.end();
  }

  #append(event: string, data: unknown): void {
    this.#log.append(event, data);
    for (const res of this.#open.keys()) this.#send(res);
  }

  /** Sends the stream the kept events it missed, in order, while less than the bound waits; then the readiness if due. */
  #send(res: ServerResponse): void {
    const stream = this.#open.get(res);
    if (stream === undefined) return;
    while (stream.sent < this.#log.lastId) {
      const next = this.#log.get(stream.sent + 1);
      if (next === undefined) {
        this.logger.warn({ unsentBytes: res.writableLength }, 'event stream closed: its client does not read what it is sent, and has fallen behind the kept events');
        return this.#close(res);
      }
      if (res.writableLength > MAX_UNSENT_BYTES) return;
      const text = message(next);
      // An event that cannot be written (bodies are bounded so that none is) is skipped, never retried: it must not stop the ones after it.
      if (text === undefined) this.logger.warn({ event: next.event, id: next.id }, 'event not sent on the event stream: it could not be written as JSON');
      else res.write(text);
      stream.sent = next.id;
    }
    if (stream.readinessDue) {
      stream.readinessDue = false;
      const id = this.#log.lastId;
      res.write(format({ id, sseId: this.#log.sseIdOf(id), event: 'readiness', data: this.session.readiness() }));
    }
  }

  #keepAlive(res: ServerResponse): TimerHandle {
    return this.clock.setTimeout(() => {
      const stream = this.#open.get(res);
      if (stream === undefined) return;
      if (res.writableLength === 0) res.write(': keep-alive\n\n');
      stream.timer = this.#keepAlive(res);
    }, KEEP_ALIVE_MS);
  }
}

const format = ({ sseId, event, data }: LoggedEvent) => `id: ${sseId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

const texts = new WeakMap<LoggedEvent, string>();

/** A kept event as Server-Sent Events text, made once however many streams it goes to; undefined if it cannot be. */
function message(event: LoggedEvent): string | undefined {
  try {
    if (!texts.has(event)) texts.set(event, format(event));
  } catch {
    return undefined;
  }
  return texts.get(event);
}

/**
 * `GET /v1/streaming/events`: an endless stream. `release` takes it out of the answers
 * quitting waits for: it never finishes by itself.
 */
export function streamEvents(streams: EventStreams, release: (res: ServerResponse) => void): Handler<'streamEvents'> {
  return (_request, { req, res }) => {
    release(res);
    streams.open(req, res);
    return STREAMED;
  };
}
