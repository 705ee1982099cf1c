import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKitEventBus } from '../../src/core/bus.js';
import { FakeClock } from '../../src/core/clock.js';
import { DEPARTED_IDS_KEPT } from '../../src/core/machine.js';
import { Session } from '../../src/core/session.js';
import { UP, at, connect, connectAs, disconnect, disconnectAs, endSession, run, settingsWith } from './helpers.js';

const NO_QUIT = settingsWith({ quitOnSessionEnded: false });

describe('clients with a clientId', () => {
  it('are counted once however often their connect is repeated', () => {
    expect(run([connectAs('a'), connectAs('a'), connectAs('b')]).state.clients).toBe(2);
  });

  it('are not counted when the disconnect arrived before the connect', () => {
    const { state } = run([...UP, disconnectAs('a'), connectAs('a')]);
    expect(state.clients).toBe(0);
  });

  it('leave once however often their disconnect is repeated, and do not take another client with them', () => {
    expect(run([connectAs('a'), connectAs('b'), disconnectAs('a'), disconnectAs('a')]).state.clients).toBe(1);
  });

  it('do not resume the session with a connect that comes after their disconnect (a late duplicate)', () => {
    const { state } = run([...UP, connectAs('a'), disconnectAs('a'), endSession(false), disconnectAs('b'), connectAs('b')], NO_QUIT);
    expect(state.phase.name).toBe('awaitingResume');
    expect(state.clients).toBe(0);
  });

  it('ignore a connect repeated after their disconnect: the resume window stays open and ends as with no client', () => {
    const script = [...UP, connectAs('a'), disconnectAs('a'), at(1000), endSession(false), at(2000), connectAs('a')];
    const { state, now, last } = run(script, NO_QUIT);
    expect(last).toEqual({ state: expect.anything(), effects: [] });
    expect(state.phase).toEqual({ name: 'awaitingResume', openedAt: 1000 });
    expect(state.clients).toBe(0);
    const after = run([at(now + 30_000), endSession(false)], NO_QUIT, state);
    expect(after.last.sessionStatus).toBe('COMPLETE');
    expect(after.state.phase.name).toBe('ended');
  });

  it('end at zero clients whatever the order of their connects and disconnects', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const events = ids.flatMap((id) => [connectAs(id), disconnectAs(id)]);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), fc.array(fc.constantFrom(...events), { maxLength: 6 }), (order, repeats) => {
        expect(run([...UP, ...order, ...repeats]).state.clients).toBe(0);
      }),
    );
  });

  it('count beside clients without an id', () => {
    expect(run([connect, connectAs('a'), connect, disconnectAs('a')]).state.clients).toBe(2);
  });

  it('remember at most DEPARTED_IDS_KEPT departures, forgetting the oldest first', () => {
    const departures = Array.from({ length: DEPARTED_IDS_KEPT + 1 }, (_, i) => disconnectAs(`id-${i}`));
    const { state } = run([...departures, connectAs('id-0'), connectAs(`id-${DEPARTED_IDS_KEPT}`)]);
    expect(state.departedClientIds.size).toBe(DEPARTED_IDS_KEPT);
    expect(state.clients).toBe(1); // only id-0 was forgotten
  });
});

describe('clients without a clientId', () => {
  it('are counted, a disconnect with none counted stays at zero and is logged as a warning', () => {
    const { state, last } = run([connect, disconnect, disconnect]);
    expect(state.clients).toBe(0);
    expect(last.effects).toEqual([{ type: 'warn', msg: expect.stringContaining('no client counted'), details: { clientsWithId: 0 } }]);
  });

  it('a disconnect with a client counted warns of nothing', () => {
    expect(run([connect, disconnect]).last.effects).toEqual([]);
  });

  it('reach the session log through the bus: payload.clientId names the client, anything else is no id', () => {
    const bus = createKitEventBus();
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (_: object, msg?: string) => warnings.push(msg ?? '') };
    const session = new Session({ settings: settingsWith(), clock: new FakeClock(), bus, onQuit() {}, logger });
    bus.emit('omni.kit.livestream.client_disconnected:immediate', { clientId: 'x' });
    bus.emit('omni.kit.livestream.client_connected:immediate', { clientId: 'x' });
    expect(session.state.clients).toBe(0);
    expect(warnings).toEqual([]);
    bus.emit('omni.kit.livestream.client_disconnected:immediate', { clientId: 42 });
    expect(warnings).toHaveLength(1);
  });
});
