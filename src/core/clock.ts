export type TimerHandle = { readonly id: number };

/** Time as the session sees it; injected so tests move time instead of sleeping. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Timers kept by name, as an effects shell runs them: starting one replaces the one of that
 * name, and `fired` is told the name when it elapses.
 */
export class NamedTimers<Name> {
  readonly #handles = new Map<Name, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly fired: (name: Name) => void,
  ) {}

  start(name: Name, ms: number): void {
    this.cancel(name);
    this.#handles.set(
      name,
      this.clock.setTimeout(() => {
        this.#handles.delete(name);
        this.fired(name);
      }, ms),
    );
  }

  cancel(name: Name): void {
    const handle = this.#handles.get(name);
    if (handle) this.clock.clearTimeout(handle);
    this.#handles.delete(name);
  }

  cancelAll(): void {
    for (const name of [...this.#handles.keys()]) this.cancel(name);
  }
}

export function createSystemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let next = 0;
  return {
    now: () => performance.now(),
    setTimeout(callback, ms) {
      const id = ++next;
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          callback();
        }, ms),
      );
      return { id };
    },
    clearTimeout(handle) {
      clearTimeout(timers.get(handle.id));
      timers.delete(handle.id);
    },
  };
}

/** A clock that only moves when told to; due timers run in time order. */
export class FakeClock implements Clock {
  #now: number;
  #next = 0;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle.id);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      const [id, timer] = due;
      this.#timers.delete(id);
      this.#now = timer.at;
      timer.callback();
    }
    this.#now = target;
  }

  advanceSeconds(seconds: number): void {
    this.advance(seconds * 1000);
  }
}
