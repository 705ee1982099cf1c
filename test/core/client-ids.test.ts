import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKitEventBus } from '../../src/core/bus.js';
import { FakeClock } from '../../src/core/clock.js';
import { DEPARTED_IDS_KEPT, INITIAL_STATE, MAX_CONNECTED_CLIENT_IDS, refusesConnect, step } from '../../src/core/machine.js';
import { Session } from '../../src/core/session.js';
import { DEFAULTS, UP, at, connect, connectAs, disconnect, disconnectAs, endSession, run, settingsWith } from './helpers.js';

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

  it('remember at least the last DEPARTED_IDS_KEPT departures, and forget the oldest first', () => {
    const departures = Array.from({ length: 2 * DEPARTED_IDS_KEPT + 1 }, (_, i) => disconnectAs(`id-${i}`));
    const { state } = run([...departures, connectAs('id-0'), connectAs(`id-${DEPARTED_IDS_KEPT + 1}`), connectAs(`id-${2 * DEPARTED_IDS_KEPT}`)]);
    expect(state.departedClientIds.size).toBeLessThanOrEqual(2 * DEPARTED_IDS_KEPT);
    expect([...state.clientIds]).toEqual(['id-0']); // only the oldest was forgotten
  });

  describe(`past MAX_CONNECTED_CLIENT_IDS (${MAX_CONNECTED_CLIENT_IDS}) connected`, () => {
    const full = run([...UP, ...Array.from({ length: MAX_CONNECTED_CLIENT_IDS }, (_, i) => connectAs(`id-${i}`)), disconnectAs('gone')]).state;

    it('refuse a connect for a new id: nothing changes, and a warning says why', () => {
      expect(full.clients).toBe(MAX_CONNECTED_CLIENT_IDS);
      expect(refusesConnect(full, 'one-more')).toBe(true);
      const refused = step(full, connectAs('one-more'), { now: 0, settings: DEFAULTS });
      expect(refused.state).toBe(full);
      expect(refused.effects).toEqual([{ type: 'warn', msg: expect.stringContaining('client connect refused'), details: { clientsWithId: MAX_CONNECTED_CLIENT_IDS } }]);
    });

    it('ignore a connect said again, or late after its disconnect, as below the cap', () => {
      for (const id of ['id-7', 'gone']) {
        expect(refusesConnect(full, id)).toBe(false);
        expect(step(full, connectAs(id), { now: 0, settings: DEFAULTS })).toEqual({ state: full, effects: [] });
      }
    });

    it('count clients without an id still, and take a new id once one has disconnected', () => {
      expect(run([connect], DEFAULTS, full).state.clients).toBe(MAX_CONNECTED_CLIENT_IDS + 1);
      const { state } = run([disconnectAs('id-3'), connectAs('one-more')], DEFAULTS, full);
      expect(state.clients).toBe(MAX_CONNECTED_CLIENT_IDS);
      expect(state.clientIds.has('one-more')).toBe(true);
    });
  });

  it('cost the same for each event however many are connected: 30,000 events with 10,000 connected at the end', () => {
    // A copy of the id sets per event made this quadratic (tens of seconds); the test's time-out catches a return to it.
    const connects = (from: number) => Array.from({ length: MAX_CONNECTED_CLIENT_IDS }, (_, i) => connectAs(`id-${from + i}`));
    const disconnects = Array.from({ length: MAX_CONNECTED_CLIENT_IDS }, (_, i) => disconnectAs(`id-${i}`));
    let state = INITIAL_STATE;
    for (const input of [...connects(0), ...disconnects, ...connects(MAX_CONNECTED_CLIENT_IDS)]) state = step(state, input, { now: 0, settings: DEFAULTS }).state;
    expect(state.clients).toBe(MAX_CONNECTED_CLIENT_IDS);
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
