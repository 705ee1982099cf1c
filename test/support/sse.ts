import type { Client } from '../../src/client.js';
import { streamEvents } from '../../generated/sdk.gen.js';

export interface ReceivedEvent {
  event: string;
  data: unknown;
}

/** Listens to GET /v1/streaming/events through the generated client. */
export class EventStreamReader {
  readonly received: ReceivedEvent[] = [];
  readonly #abort = new AbortController();
  #waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  private constructor(client: Client) {
    const started = streamEvents({
      client,
      signal: this.#abort.signal,
      sseMaxRetryAttempts: 1,
      onSseEvent: (e) => {
        this.received.push({ event: e.event ?? 'message', data: e.data });
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

  /** Opens the stream and waits for its first event (the current readiness). */
  static async open(client: Client): Promise<EventStreamReader> {
    const reader = new EventStreamReader(client);
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
