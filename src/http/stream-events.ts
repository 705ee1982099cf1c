import type { RequestHandler, Response } from 'express';
import type { KitEventBus } from '../core/bus.js';
import { DISPATCHED_EVENTS } from '../core/events.js';
import type { Session } from '../core/session.js';
import { HttpError } from './errors.js';

/**
 * The open `GET /v1/streaming/events` streams: first the current readiness, then every
 * dispatched Kit event and every readiness change, as Server-Sent Events.
 */
export class EventStreams {
  readonly #open = new Set<Response>();

  constructor(
    private readonly session: Session,
    private readonly bus: KitEventBus,
    /** Most streams open at once: each holds a connection and a subscription. */
    private readonly max: number = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.#open.size;
  }

  readonly handler: RequestHandler = (req, res, next) => {
    if (this.#open.size >= this.max) {
      const message = `${this.max} event streams are open already, the most the maxEventStreams setting allows`;
      return next(new HttpError(429, 'TOO_MANY_STREAMS', message, undefined, { 'Retry-After': '5' }));
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // The stream holds its connection until it ends; then the socket goes too, so that
      // closing the server never waits on it.
      Connection: 'close',
      'X-Accel-Buffering': 'no',
    });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('readiness', this.session.readiness());
    const unsubscribe = [
      this.session.onReadinessChange((readiness) => send('readiness', readiness)),
      ...DISPATCHED_EVENTS.map((name) => this.bus.on(name, (payload) => send(name, payload))),
    ];
    this.#open.add(res);
    req.socket.setNoDelay(true);
    res.on('close', () => {
      this.#open.delete(res);
      for (const off of unsubscribe) off();
    });
  };

  closeAll(): void {
    for (const res of this.#open) res.end();
  }
}
