import type { ServerResponse } from 'node:http';

/**
 * Counts answers not yet sent, so that quitting can wait until the caller of endsession
 * has its answer. Streams leave the count once they start: they never finish by themselves.
 */
export class PendingResponses {
  readonly #pending = new Set<ServerResponse>();
  #waiters: Array<() => void> = [];

  /** Counts an answer until its connection has sent it (or closed). */
  track(res: ServerResponse): void {
    this.#pending.add(res);
    res.on('close', () => this.release(res));
  }

  release(res: ServerResponse): void {
    if (!this.#pending.delete(res) || this.#pending.size > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  get idle(): boolean {
    return this.#pending.size === 0;
  }

  whenIdle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
