import { describe, it, expect, vi } from 'vitest';
import { EventBus, createKitEventBus } from '../../src/core/bus.js';

type Events = { greet: { name: string }; count: { n: number }; empty: { note?: string } };

describe('EventBus', () => {
  it('delivers an emitted payload to the handlers of that name only', () => {
    const bus = new EventBus<Events>();
    const greet = vi.fn();
    const count = vi.fn();
    bus.on('greet', greet);
    bus.on('count', count);
    bus.emit('greet', { name: 'kit' });
    expect(greet).toHaveBeenCalledWith({ name: 'kit' });
    expect(count).not.toHaveBeenCalled();
  });

  it('calls handlers in the order they subscribed', () => {
    const bus = new EventBus<Events>();
    const order: number[] = [];
    bus.on('count', () => order.push(1));
    bus.on('count', () => order.push(2));
    bus.on('count', () => order.push(3));
    bus.emit('count', { n: 0 });
    expect(order).toEqual([1, 2, 3]);
  });

  it('stops calling a handler removed with off()', () => {
    const bus = new EventBus<Events>();
    const handler = vi.fn();
    bus.on('count', handler);
    bus.emit('count', { n: 1 });
    bus.off('count', handler);
    bus.emit('count', { n: 2 });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(bus.listenerCount('count')).toBe(0);
  });

  it('stops calling a handler after the unsubscribe function that on() returned', () => {
    const bus = new EventBus<Events>();
    const kept = vi.fn();
    const dropped = vi.fn();
    bus.on('count', kept);
    const unsubscribe = bus.on('count', dropped);
    expect(bus.listenerCount('count')).toBe(2);
    unsubscribe();
    unsubscribe(); // harmless twice
    bus.emit('count', { n: 1 });
    expect(dropped).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
    expect(bus.listenerCount('count')).toBe(1);
  });

  it('does nothing when emitting a name nobody listens to', () => {
    const bus = new EventBus<Events>();
    expect(() => bus.emit('greet', { name: 'x' })).not.toThrow();
    expect(bus.listenerCount('greet')).toBe(0);
  });

  it('reports a throwing handler with its event name and still calls the others', () => {
    const errors: Array<[unknown, string]> = [];
    const bus = new EventBus<Events>((error, name) => errors.push([error, String(name)]));
    const after = vi.fn();
    const boom = new Error('boom');
    bus.on('greet', () => {
      throw boom;
    });
    bus.on('greet', after);
    expect(() => bus.emit('greet', { name: 'x' })).not.toThrow();
    expect(after).toHaveBeenCalledWith({ name: 'x' });
    expect(errors).toEqual([[boom, 'greet']]);
  });

  it('is typed by event name', () => {
    const bus = new EventBus<Events>();
    bus.on('greet', (payload) => {
      const name: string = payload.name;
      void name;
    });
    // @ts-expect-error the payload of "greet" has no field n
    bus.emit('greet', { n: 1 });
    // @ts-expect-error "greet" needs a payload
    bus.emit('greet');
    // @ts-expect-error unknown event name
    bus.on('nope', () => {});
    // a payload whose fields are all optional may be left out
    bus.emit('empty');
  });
});

describe('createKitEventBus', () => {
  it('carries the Kit events by their exact names, with an empty payload when none is given', () => {
    const bus = createKitEventBus();
    const ready = vi.fn();
    const ended = vi.fn();
    bus.on('omni.services.livestream.session.ready', ready);
    bus.on('omni.services.livestream.session.ended', ended);
    // Kit events carry no payload; the bus hands handlers an empty object then. The cast is
    // needed because the typing asks for a payload on listened-for events (see report).
    (bus as unknown as { emit(name: string): void }).emit('omni.services.livestream.session.ready');
    bus.emit('omni.services.livestream.session.ended', { sessionId: null, cause: 'GRACEFUL_SHUTDOWN' });
    expect(ready).toHaveBeenCalledWith({});
    expect(ended).toHaveBeenCalledWith({ sessionId: null, cause: 'GRACEFUL_SHUTDOWN' });
    // @ts-expect-error ended needs its { sessionId, cause } payload
    bus.emit('omni.services.livestream.session.ended');
  });

  it('reports handler errors to the given callback', () => {
    const onError = vi.fn();
    const bus = createKitEventBus(onError);
    const other = vi.fn();
    bus.on('omni.kit.app.GLOBAL_EVENT_APP_READY', () => {
      throw new Error('bad handler');
    });
    bus.on('omni.kit.app.GLOBAL_EVENT_APP_READY', other);
    bus.emit('omni.kit.app.GLOBAL_EVENT_APP_READY', {});
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![1]).toBe('omni.kit.app.GLOBAL_EVENT_APP_READY');
    expect(other).toHaveBeenCalledTimes(1);
  });
});
