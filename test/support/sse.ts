import { connect, type Socket } from 'node:net';
import type { Client } from '../../src/client.js';
import { streamEvents } from '../../generated/sdk.gen.js';

export interface ReceivedEvent {
  event: string;
  data: unknown;
  /** The stream's last event id when this event arrived (its own `id:` if it has one). */
  id?: string;
}

export interface OpenOptions {
  /** Sent as the `Last-Event-ID` header, as a reconnecting client does. */
  lastEventId?: string;
}

/** Listens to GET /v1/streaming/events through the generated client. */
export class EventStreamReader {
  readonly received: ReceivedEvent[] = [];
  readonly #abort = new AbortController();
  #waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  private constructor(client: Client, options: OpenOptions) {
    const started = streamEvents({
      client,
      signal: this.#abort.signal,
      sseMaxRetryAttempts: 1,
      headers: options.lastEventId === undefined ? {} : { 'Last-Event-ID': options.lastEventId },
      onSseEvent: (e) => {
        // A comment (keep-alive) reaches here as an event with neither name nor data.
        if (e.event === undefined && e.data === undefined) return;
        this.received.push({ event: e.event ?? 'message', data: e.data, id: e.id });
        for (const wake of this.#waiters.splice(0)) wake();
      },
    });
    this.done = (async () => {
      try {
        const { stream } = await started;
        for await (const _ of stream);
      } catch {
        // aborted, or closed by the server
      }
      this.closed = true;
      for (const wake of this.#waiters.splice(0)) wake();
    })();
  }

  closed = false;

  /** Opens the stream and waits for its first readiness event (the current one, or the first one replayed). */
  static async open(client: Client, options: OpenOptions = {}): Promise<EventStreamReader> {
    const reader = new EventStreamReader(client, options);
    await reader.next('readiness');
    return reader;
  }

  /** Resolves with the first event named `event` that matches, waiting for it if needed. */
  async next(event: string, where: (data: any) => boolean = () => true): Promise<any> {
    for (;;) {
      const found = this.received.find((e) => e.event === event && where(e.data));
      if (found) return found.data;
      if (this.closed) throw new Error(`stream closed before ${event}; got ${this.names().join(', ')}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  names(): string[] {
    return this.received.map((e) => e.event);
  }

  close(): void {
    this.#abort.abort();
  }
}

/** The raw text of GET /v1/streaming/events, through the generated client: for what the parser hides (comments). */
export class RawEventStream {
  text = '';
  #waiters: Array<() => void> = [];
  #closed = false;
  readonly #abort = new AbortController();

  private constructor() {}

  static async open(client: Client): Promise<RawEventStream> {
    const raw = new RawEventStream();
    const { response } = await client.request({ method: 'GET', url: '/v1/streaming/events', parseAs: 'stream', signal: raw.#abort.signal });
    if (response.status !== 200 || !response.body) throw new Error(`event stream answered ${response.status}`);
    void (async () => {
      try {
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          raw.text += r.value;
          for (const wake of raw.#waiters.splice(0)) wake();
        }
      } catch {
        // aborted
      }
      raw.#closed = true;
      for (const wake of raw.#waiters.splice(0)) wake();
    })();
    await raw.waitFor('event: readiness');
    return raw;
  }

  /** Resolves once the text received contains `needle` `times` times. */
  async waitFor(needle: string, times = 1): Promise<void> {
    while (this.count(needle) < times) {
      if (this.#closed) throw new Error(`stream closed before "${needle}" x${times}; got:\n${this.text}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  count(needle: string): number {
    return this.text.split(needle).length - 1;
  }

  close(): void {
    this.#abort.abort();
  }
}

/**
 * An event stream on a raw connection whose client reads the answer's first bytes and then
 * nothing more (a stalled reader, or a half-open connection); the socket is added to
 * `sockets` for the test to destroy. `closed` resolves once the connection has closed (its
 * client must read again to see that).
 */
export async function stalledStream(port: number, sockets: Socket[]): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write('GET /v1/streaming/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.pause();
  return { socket, closed };
}
