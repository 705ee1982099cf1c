import type { KitEventMap } from './events.js';

export type Handler<P> = (payload: P) => void;

/** Optional payload where every field of it is optional (the listened-for events). */
type PayloadArgs<P> = Record<never, never> extends P ? [payload?: P] : [payload: P];

/**
 * A small synchronous event bus typed by event name, in the manner of carb's event
 * dispatcher. A throwing handler is reported and does not stop the others.
 */
export class EventBus<M extends object> {
  readonly #handlers = new Map<keyof M, Set<Handler<never>>>();

  constructor(private readonly onHandlerError: (error: unknown, name: keyof M) => void = () => {}) {}

  on<K extends keyof M>(name: K, handler: Handler<M[K]>): () => void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler as Handler<never>);
    return () => this.off(name, handler);
  }

  off<K extends keyof M>(name: K, handler: Handler<M[K]>): void {
    this.#handlers.get(name)?.delete(handler as Handler<never>);
  }

  emit<K extends keyof M>(name: K, ...[payload]: PayloadArgs<M[K]>): void {
    const set = this.#handlers.get(name);
    if (!set) return;
    const value = (payload ?? {}) as never;
    for (const handler of [...set]) {
      try {
        handler(value);
      } catch (error) {
        this.onHandlerError(error, name);
      }
    }
  }

  listenerCount(name: keyof M): number {
    return this.#handlers.get(name)?.size ?? 0;
  }
}

/** The bus carrying Kit events between the session and the streaming application. */
export type KitEventBus = EventBus<KitEventMap>;

export function createKitEventBus(onHandlerError?: (error: unknown, name: keyof KitEventMap) => void): KitEventBus {
  return new EventBus<KitEventMap>(onHandlerError);
}
