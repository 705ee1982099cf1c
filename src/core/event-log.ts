import { randomBytes } from 'node:crypto';

/** One event as sent on the event stream. */
export interface LoggedEvent {
  /** Its number in this instance's sequence: 1 for the first, one more for each. */
  readonly id: number;
  /**
   * The `id:` it is sent with, `<instance>-<id>`: the instance part is drawn at random when
   * the service starts, so an id a listener got from another instance (one that ran before
   * a restart) is never taken for one of these.
   */
  readonly sseId: string;
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

  constructor(
    readonly capacity = 256,
    /** The first part of every `id:`, different for each instance. */
    readonly instance = randomBytes(6).toString('hex'),
  ) {}

  /** The number of the last event appended (0 before the first). */
  get lastId(): number {
    return this.#lastId;
  }

  /** The `id:` of the event numbered `id` (0: none yet) of this instance. */
  sseIdOf(id: number): string {
    return `${this.instance}-${id}`;
  }

  append(event: string, data: unknown): LoggedEvent {
    const id = ++this.#lastId;
    const entry = { id, sseId: this.sseIdOf(id), event, data };
    this.#kept.push(entry);
    if (this.#kept.length > this.capacity) this.#kept.shift();
    return entry;
  }

  /** The event with this number, while it is kept. */
  get(id: number): LoggedEvent | undefined {
    const first = this.#kept[0]?.id;
    return first === undefined || id < first ? undefined : this.#kept[id - first];
  }

  /**
   * What a listener that last received `lastEventId` is to be sent: the kept events after
   * `after` (the number of the last event it has had, or is taken to have had).
   * - none (a new listener): nothing kept, it starts from now;
   * - one of this instance's ids: the kept events after it (all kept ones when it is older);
   * - anything else (an id of an instance that ran before a restart, or no id at all):
   *   every kept event, so that nothing dispatched is missed.
   */
  since(lastEventId: string | undefined): { after: number; events: LoggedEvent[] } {
    const value = lastEventId?.trim() ?? '';
    if (value === '') return { after: this.#lastId, events: [] };
    const prefix = `${this.instance}-`;
    const n = value.startsWith(prefix) && /^\d+$/.test(value.slice(prefix.length)) ? Number(value.slice(prefix.length)) : undefined;
    const own = n !== undefined && n <= this.#lastId ? n : undefined;
    const first = this.#kept[0]?.id ?? this.#lastId + 1;
    const after = own === undefined ? first - 1 : Math.max(own, first - 1);
    return { after, events: this.#kept.slice(after + 1 - first) };
  }
}
