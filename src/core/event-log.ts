/** One event as sent on the event stream. */
export interface LoggedEvent {
  readonly id: number;
  readonly event: string;
  readonly data: unknown;
}

/**
 * Numbers the events sent to the streaming application and keeps the last `capacity` of
 * them, so a listener that reconnects can be given what it missed.
 */
export class EventLog {
  #lastId = 0;
  readonly #kept: LoggedEvent[] = [];

  constructor(readonly capacity = 256) {}

  /** The id of the last event appended (0 before the first). */
  get lastId(): number {
    return this.#lastId;
  }

  append(event: string, data: unknown): LoggedEvent {
    const entry = { id: ++this.#lastId, event, data };
    this.#kept.push(entry);
    if (this.#kept.length > this.capacity) this.#kept.shift();
    return entry;
  }

  /** The event with this id, while it is kept. */
  get(id: number): LoggedEvent | undefined {
    const first = this.#kept[0]?.id;
    return first === undefined || id < first ? undefined : this.#kept[id - first];
  }

  /**
   * The kept events after `lastEventId` (all kept ones when it is older than they are);
   * nothing for a value that is not a whole number or is above the last id.
   */
  since(lastEventId: string | undefined): { from: number; events: LoggedEvent[] } {
    const n = lastEventId !== undefined && /^\d+$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : undefined;
    if (n === undefined || n > this.#lastId) return { from: this.#lastId, events: [] };
    return { from: n, events: this.#kept.filter((e) => e.id > n) };
  }
}
