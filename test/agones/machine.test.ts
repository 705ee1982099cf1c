// The Agones adapter's step, table by table: a state reached by a list of inputs, one more
// input, and the effects it must ask for. No sidecar, no clock: the expected effects are
// written out from the rules (README, Agones' SDK contract), not taken from the code.
import { describe, expect, it } from 'vitest';
import { agonesStep, agonesView, initialAgonesState, type AgonesEffect, type AgonesInput, type AgonesState, type OccupancyNames } from '../../src/agones/machine.js';
import type { AgonesCall, Declared, Refusal } from '../../src/agones/sdk.js';
import { READINESS_TABLE, type ReadinessReason } from '../../src/core/readiness.js';
import { deepFreeze } from '../core/helpers.js';

const URL = 'http://127.0.0.1:9358';
const PERIOD = 2000;
const DOWN = 'fetch failed: connect ECONNREFUSED 127.0.0.1:9358';
const SLOW = 'PUT /metadata/label not answered within 3 s';

const started = (readiness: ReadinessReason = 'APP_NOT_READY'): AgonesInput => ({ type: 'started', readiness });
const readiness = (reason: ReadinessReason): AgonesInput => ({ type: 'readinessChanged', readiness: reason });
const READY = readiness('READY_FOR_CONNECTION');
type Step = Extract<AgonesInput, { type: 'sessionStepped' }>;
/** A step of the session that named these ids; ended without quitting, with that readiness, when `endedWith` is given. */
const stepped = (sessionIds: string[], endedWith: ReadinessReason | null = null, more: Partial<Step> = {}): AgonesInput => ({
  type: 'sessionStepped',
  sessionIds,
  inSession: false,
  ended: endedWith !== null,
  joined: null,
  left: null,
  readiness: endedWith ?? 'APP_NOT_READY',
  ...more,
});
/** A session begins (credentials came) with readiness `reason`. */
const began = (reason: ReadinessReason): AgonesInput => stepped([], null, { inSession: true, readiness: reason });
/** A client with an id connects: a session is under way. */
const joined = (id: string, reason: ReadinessReason = 'SESSION_ACTIVE'): AgonesInput => stepped([], null, { inSession: true, joined: id, readiness: reason });
const left = (id: string, reason: ReadinessReason = 'READY_FOR_CONNECTION'): AgonesInput => stepped([], null, { inSession: true, left: id, readiness: reason });
const took = (call: AgonesCall): AgonesInput => ({ type: 'answered', call, outcome: 'taken' });
const refused = (call: AgonesCall, error = DOWN): AgonesInput => ({ type: 'answered', call, outcome: 'refused', error });
const timedOut = (call: AgonesCall, error = SLOW): AgonesInput => ({ type: 'answered', call, outcome: 'timed out', error });
const refusedFor = (call: AgonesCall, refusal: Refusal, error = `${refusal}. as the sidecar says`): AgonesInput => ({ type: 'answered', call, outcome: 'refused', error, refusal });
const read = (declared: Declared): AgonesInput => ({ type: 'gameServerRead', declared });
const fired = (timer: 'health' | 'retryLifecycle' | 'retryLabel' | 'retryOccupancy' | 'shutdownDeadline'): AgonesInput => ({ type: 'timerFired', timer });
const SHUTDOWN: AgonesInput = { type: 'shutdownAsked' };
const STOP: AgonesInput = { type: 'stop' };
const EXITED: AgonesInput = { type: 'appExited' };

const label = (key: string, value: string): AgonesEffect => ({ type: 'send', call: 'setlabel', key, value });
const send = (call: 'ready' | 'allocate' | 'shutdown' | 'health' | 'gameserver'): AgonesEffect => ({ type: 'send', call });
const count = (countDiff: number): AgonesEffect => ({ type: 'send', call: 'updatecounter', name: 'sessions', countDiff });
const add = (value: string): AgonesEffect => ({ type: 'send', call: 'addlistvalue', name: 'clients', value });
const remove = (value: string): AgonesEffect => ({ type: 'send', call: 'removelistvalue', name: 'clients', value });
const info = (details: Record<string, unknown>, msg: string): AgonesEffect => ({ type: 'log', level: 'info', details, msg });
const warn = (details: Record<string, unknown>, msg: string): AgonesEffect => ({ type: 'log', level: 'warn', details, msg });
const start = (timer: 'health' | 'retryLifecycle' | 'retryLabel' | 'retryOccupancy' | 'shutdownDeadline', ms: number): AgonesEffect => ({ type: 'startTimer', timer, ms });
const cancel = (timer: 'health' | 'retryLifecycle' | 'retryLabel' | 'retryOccupancy' | 'shutdownDeadline'): AgonesEffect => ({ type: 'cancelTimer', timer });
const failed = (call: string, then: string, error = DOWN): AgonesEffect => ({ type: 'log', level: 'warn', details: { sdkUrl: URL, call, error }, msg: `Agones SDK call failed; ${then}` });
const DETACH: AgonesEffect = { type: 'detach' };
const RESOLVE: AgonesEffect = { type: 'resolveShutdown' };

const NAMES: OccupancyNames = { counter: 'sessions', list: 'clients' };

/** The state after `inputs`, every step checked to leave its (frozen) state as it was; with occupancy kept under `names`. */
function after(inputs: readonly AgonesInput[], names?: OccupancyNames): AgonesState {
  let state = deepFreeze(initialAgonesState(URL, PERIOD, names));
  for (const input of inputs) state = deepFreeze(agonesStep(state, input).state);
  return state;
}

/** Started, its first label and ping taken: an idle adapter before the application is ready. */
const IDLE = [started(), took('setlabel'), took('health')];
/** Idle, then Ready sent and taken with its label. */
const READY_TAKEN = [...IDLE, READY, took('setlabel'), took('ready')];

type Row = [name: string, before: AgonesInput[], input: AgonesInput, effects: AgonesEffect[]];

const table = (rows: Row[], names?: OccupancyNames) =>
  it.each(rows)('%s', (_name, before, input, effects) => {
    expect(agonesStep(after(before, names), input).effects).toEqual(effects);
  });

describe('the Agones step: Ready and health', () => {
  table([
    ['at start: labels the readiness, pings now and sets the next ping', [], started(), [label('readiness', 'APP_NOT_READY'), start('health', PERIOD), send('health')]],
    ['a readiness short of READY_FOR_CONNECTION: a label, no Ready', IDLE, readiness('RTX_NOT_READY'), [label('readiness', 'RTX_NOT_READY')]],
    ['the first READY_FOR_CONNECTION: its label and Ready', IDLE, READY, [label('readiness', 'READY_FOR_CONNECTION'), send('ready')]],
    ['READY_FOR_CONNECTION again while the session lasts: the label only', [...READY_TAKEN, readiness('SESSION_ACTIVE'), took('setlabel')], READY, [label('readiness', 'READY_FOR_CONNECTION')]],
    ['a session ended, ready for a viewer: its id and Ready again', READY_TAKEN, stepped(['viewer-42'], 'READY_FOR_CONNECTION'), [label('session-id', 'viewer-42'), send('ready')]],
    ['a session ended, not ready yet: no Ready now', READY_TAKEN, stepped([], 'WAITING_FOR_PREVIOUS_CLIENT'), []],
    ['...and Ready once it is', [...READY_TAKEN, stepped([], 'WAITING_FOR_PREVIOUS_CLIENT')], READY, [label('readiness', 'READY_FOR_CONNECTION'), send('ready')]],
    ['a session id in a label value as Kubernetes allows', IDLE, stepped(['viewer 42/room#1']), [label('session-id', 'viewer_42_room_1')]],
    ['the health timer: the next ping and the one after', IDLE, fired('health'), [start('health', PERIOD), send('health')]],
    ['a ping refused: logged, not tried again before its time', [started(), took('setlabel')], refused('health'), [failed('health', 'trying again')]],
    ['the application exits by itself: logged, pings stop', IDLE, EXITED, [{ type: 'log', level: 'warn', details: {}, msg: 'application exited by itself: Agones health pings stopped' }, cancel('health')]],
    ['...and no Ready follows', [...IDLE, EXITED], fired('health'), []],
  ]);

  it('shows health pings stopped once the application exited', () => {
    expect(agonesView(after([...IDLE, EXITED])).healthPings).toBe(false);
    expect(agonesView(after(IDLE)).healthPings).toBe(true);
  });
});

describe('the Agones step: two lanes', () => {
  table([
    ['Ready goes out while a label is still unanswered', [started()], READY, [send('ready')]],
    ['a label waits for the one out, and goes when it is taken', [started(), READY], took('setlabel'), [label('readiness', 'READY_FOR_CONNECTION')]],
    ['labels waiting collapse into the latest value of their key', [started(), readiness('RTX_NOT_READY'), readiness('SESSION_READY_EVENT_NOT_RECEIVED')], took('setlabel'), [label('readiness', 'SESSION_READY_EVENT_NOT_RECEIVED')]],
    ['a label not answered in time is not sent again', [started()], timedOut('setlabel'), [failed('setlabel', 'not sent again', SLOW), start('retryLabel', 200)]],
    ['...nor after the back-off', [started(), timedOut('setlabel')], fired('retryLabel'), []],
    ['a label refused, nothing newer: sent again after the back-off', [started(), refused('setlabel')], fired('retryLabel'), [label('readiness', 'APP_NOT_READY')]],
    ['a label refused with a newer value behind it: only the newer one is sent', [started(), readiness('RTX_NOT_READY'), refused('setlabel')], fired('retryLabel'), [label('readiness', 'RTX_NOT_READY')]],
    ['a label refused does not hold back Ready', [started(), refused('setlabel')], READY, [send('ready')]],
    ['Ready refused does not hold back a label', [...IDLE, READY, took('setlabel'), refused('ready')], readiness('SESSION_ACTIVE'), [label('readiness', 'SESSION_ACTIVE')]],
  ]);

  it('counts the labels waiting after the lifecycle calls, one per key', () => {
    const state = after([started(), refused('setlabel'), READY, refused('ready'), stepped(['a']), stepped(['b'])]);
    expect(agonesView(state).pendingCalls).toEqual(['ready', 'setlabel', 'setlabel']);
    expect(state.labels).toEqual([
      { key: 'readiness', value: 'READY_FOR_CONNECTION' },
      { key: 'session-id', value: 'b' },
    ]);
  });
});

describe('the Agones step: back-off and logging', () => {
  it('waits 0.2 s after a refusal, doubling to 5 s, and starts over once a call is taken', () => {
    let state = after([...IDLE, READY, took('setlabel')]);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { state: next, effects } = agonesStep(state, refused('ready'));
      waits.push(...effects.flatMap((e) => (e.type === 'startTimer' && e.timer === 'retryLifecycle' ? [e.ms] : [])));
      const retried = agonesStep(next, fired('retryLifecycle'));
      expect(retried.effects).toEqual([send('ready')]);
      state = retried.state;
    }
    expect(waits).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    state = agonesStep(state, took('ready')).state;
    state = agonesStep(state, stepped([], 'READY_FOR_CONNECTION')).state;
    expect(agonesStep(state, refused('ready')).effects).toContainEqual(start('retryLifecycle', 200));
  });

  table([
    ['the first failure: one warning', [...IDLE, READY, took('setlabel')], refused('ready'), [failed('ready', 'trying again'), start('retryLifecycle', 200)]],
    ['the same failure again: no second line', [...IDLE, READY, took('setlabel'), refused('ready'), fired('retryLifecycle')], refused('ready'), [start('retryLifecycle', 400)]],
    ['a different failure: a line for it', [...IDLE, READY, took('setlabel'), refused('ready'), fired('retryLifecycle')], refused('ready', 'POST /ready answered 500'), [failed('ready', 'trying again', 'POST /ready answered 500'), start('retryLifecycle', 400)]],
    ['a lifecycle call not answered in time is tried again', [...IDLE, READY, took('setlabel')], timedOut('ready', 'POST /ready not answered within 3 s'), [failed('ready', 'trying again', 'POST /ready not answered within 3 s'), start('retryLifecycle', 200)]],
    ['taken after a failure: reachable again', [...IDLE, READY, took('setlabel'), refused('ready'), fired('retryLifecycle')], took('ready'), [{ type: 'log', level: 'info', details: { sdkUrl: URL, call: 'ready' }, msg: 'Agones SDK reachable again' }]],
    ['taken with no failure before: nothing logged', [...IDLE, READY, took('setlabel')], took('ready'), []],
  ]);

  it('records the last call and keeps the last error after later calls succeed', () => {
    const view = agonesView(after([...IDLE, READY, took('setlabel'), refused('ready'), fired('retryLifecycle'), took('ready')]));
    expect(view).toEqual({ sdkUrl: URL, state: 'Ready', lastCall: { call: 'ready', ok: true }, lastError: DOWN, healthPings: true, pendingCalls: [], counter: null, list: null });
  });
});

describe('the Agones step: Shutdown', () => {
  table([
    ['asked when idle: pings stop, the deadline starts, Shutdown goes out', READY_TAKEN, SHUTDOWN, [cancel('health'), start('shutdownDeadline', 10_000), send('shutdown')]],
    ['asked while Ready is out: Shutdown waits for it', [...IDLE, READY], SHUTDOWN, [cancel('health'), start('shutdownDeadline', 10_000)]],
    ['...and goes once Ready is taken', [...IDLE, READY, SHUTDOWN], took('ready'), [send('shutdown')]],
    ['asked while a label is out: Shutdown does not wait for it', [started()], SHUTDOWN, [cancel('health'), start('shutdownDeadline', 10_000), send('shutdown')]],
    [
      'taken: logged, the deadline and the adapter stop, the service may exit',
      [...READY_TAKEN, SHUTDOWN],
      took('shutdown'),
      [{ type: 'log', level: 'info', details: { sdkUrl: URL }, msg: 'Agones GameServer shut down' }, cancel('shutdownDeadline'), DETACH, RESOLVE],
    ],
    [
      'not taken by the deadline: logged, tries stop, the service may exit',
      [...READY_TAKEN, SHUTDOWN, refused('shutdown')],
      fired('shutdownDeadline'),
      [{ type: 'log', level: 'warn', details: { sdkUrl: URL }, msg: 'Agones Shutdown not taken in time; exiting all the same' }, cancel('shutdownDeadline'), cancel('retryLifecycle'), DETACH, RESOLVE],
    ],
    ['stopped: pings and tries stop, the adapter stops listening', [...IDLE, READY, took('setlabel'), refused('ready')], STOP, [cancel('health'), cancel('retryLifecycle'), DETACH]],
    ['stopped: nothing more is sent', [...IDLE, STOP], READY, []],
    ['stopped twice: nothing more', [...IDLE, STOP], STOP, []],
  ]);

  it('shows the GameServer shut down and nothing waiting', () => {
    expect(agonesView(after([...READY_TAKEN, SHUTDOWN, took('shutdown')]))).toMatchObject({ state: 'Shutdown', healthPings: false, pendingCalls: [] });
  });
});

/** Ready taken, then a session begun by its credentials and allocated. */
const ALLOCATED = [...READY_TAKEN, began('READY_FOR_CONNECTION'), took('allocate')];

describe('the Agones step: Allocate', () => {
  table([
    ['a session begins by its credentials on a Ready server: Allocate', READY_TAKEN, began('READY_FOR_CONNECTION'), [send('allocate')]],
    ['a session begins by a first client connecting: Allocate', READY_TAKEN, joined('viewer-a'), [send('allocate')]],
    ['never before readiness answers 200: a session begun while the app starts asks nothing', IDLE, began('APP_NOT_READY'), []],
    ['...nor while readiness is still 503', [...IDLE, began('APP_NOT_READY')], readiness('RTX_NOT_READY'), [label('readiness', 'RTX_NOT_READY')]],
    ['...and Allocate once it answers 200, with no Ready first (a Ready server may be handed to another viewer)', [...IDLE, began('APP_NOT_READY'), took('setlabel')], READY, [label('readiness', 'READY_FOR_CONNECTION'), send('allocate')]],
    ['a client connected before the app was ready: Allocate once readiness answers 200 (SESSION_ACTIVE)', [...IDLE, joined('viewer-a', 'APP_NOT_READY'), took('setlabel')], readiness('SESSION_ACTIVE'), [label('readiness', 'SESSION_ACTIVE'), send('allocate')]],
    ['Allocate waits for the Ready still out', [...IDLE, READY, took('setlabel')], began('READY_FOR_CONNECTION'), []],
    ['...and goes once Ready is taken', [...IDLE, READY, took('setlabel'), began('READY_FOR_CONNECTION')], took('ready'), [send('allocate')]],
    ['once a session: a client connecting to an allocated server asks nothing more', ALLOCATED, joined('viewer-a'), []],
    ['no Ready while the session lasts, though its client left', [...ALLOCATED, readiness('SESSION_ACTIVE'), took('setlabel')], READY, [label('readiness', 'READY_FOR_CONNECTION')]],
    ['a session ended without quitting: Ready again', ALLOCATED, stepped([], 'READY_FOR_CONNECTION'), [send('ready')]],
    ['...and the next session Allocate again', [...ALLOCATED, stepped([], 'READY_FOR_CONNECTION'), took('ready')], began('READY_FOR_CONNECTION'), [send('allocate')]],
    ['a session begun while the last one\'s client holds the server (still allocated): nothing', [...ALLOCATED, stepped([], 'WAITING_FOR_PREVIOUS_CLIENT')], joined('viewer-b', 'WAITING_FOR_PREVIOUS_CLIENT'), []],
    ['...nor once that client leaves', [...ALLOCATED, stepped([], 'WAITING_FOR_PREVIOUS_CLIENT'), joined('viewer-b', 'WAITING_FOR_PREVIOUS_CLIENT')], readiness('SESSION_ACTIVE'), [label('readiness', 'SESSION_ACTIVE')]],
    ['Allocate refused: tried again after the back-off', [...READY_TAKEN, began('READY_FOR_CONNECTION')], refused('allocate'), [failed('allocate', 'trying again'), start('retryLifecycle', 200)]],
    ['not once Shutdown was asked', [...READY_TAKEN, SHUTDOWN], began('READY_FOR_CONNECTION'), []],
  ]);

  it('never asks Allocate while readiness answers 503, and asks it at each reason that answers 200', () => {
    const asked = (effects: readonly AgonesEffect[]) => effects.some((e) => e.type === 'send' && e.call === 'allocate');
    for (const { reason, httpStatus } of READINESS_TABLE) {
      const begun = agonesStep(after(IDLE), began(reason));
      const heard = agonesStep(begun.state, readiness(reason));
      expect({ reason, asked: asked(begun.effects) || asked(heard.effects) }).toEqual({ reason, asked: httpStatus === 200 });
    }
  });

  it('shows the GameServer Allocated once the sidecar took Allocate, and Ready again after the session', () => {
    expect(agonesView(after(ALLOCATED)).state).toBe('Allocated');
    expect(agonesView(after([...ALLOCATED, stepped([], 'READY_FOR_CONNECTION'), took('ready')])).state).toBe('Ready');
    expect(agonesView(after([...READY_TAKEN, began('READY_FOR_CONNECTION')])).pendingCalls).toEqual(['allocate']);
  });
});

const DECLARED: Declared = { counters: { sessions: 0 }, lists: { clients: [] } };
/** Started with a Counter and a List to keep, the GameServer read and declaring both, Ready taken. */
const OCC_READY = [started(), took('setlabel'), took('health'), read(DECLARED), READY, took('setlabel'), took('ready')];
/** ...and a session begun, allocated and counted. */
const OCC_SESSION = [...OCC_READY, began('READY_FOR_CONNECTION'), took('allocate'), took('updatecounter')];
/** ...and viewer-a connected and listed. */
const OCC_A = [...OCC_SESSION, joined('viewer-a'), took('addlistvalue')];

describe('the Agones step: the Counter of sessions and the List of clients', () => {
  table(
    [
      ['at start: the GameServer is read for what it declares', [], started(), [label('readiness', 'APP_NOT_READY'), start('health', PERIOD), send('health'), send('gameserver')]],
      ['declares neither: each off, said once', [started()], read({ counters: {}, lists: {} }), [info({ counter: 'sessions' }, 'Agones GameServer declares no such Counter: sessions are not counted'), info({ list: 'clients' }, 'Agones GameServer declares no such List: connected clients are not listed')]],
      ['...and a session then asks Allocate only', [started(), read({ counters: {}, lists: {} }), READY], joined('viewer-a'), []],
      ['the read refused: tried again after the back-off', [started()], refused('gameserver'), [failed('gameserver', 'trying again'), start('retryOccupancy', 200)]],
      ['...and read then', [started(), refused('gameserver')], fired('retryOccupancy'), [send('gameserver')]],
      ['values left in the List from before are removed', [started()], read({ counters: { sessions: 0 }, lists: { clients: ['gone'] } }), [remove('gone')]],
      ['a client connected before the read: counted after it', [started(), joined('viewer-a', 'APP_NOT_READY')], read(DECLARED), [count(1)]],
      ['...and listed', [started(), joined('viewer-a', 'APP_NOT_READY'), read(DECLARED)], took('updatecounter'), [add('viewer-a')]],
      ['a session begins: Allocate, and the Counter goes to 1', OCC_READY, began('READY_FOR_CONNECTION'), [send('allocate'), count(1)]],
      ['a client connects: its id is added to the List', OCC_SESSION, joined('viewer-a'), [add('viewer-a')]],
      ['...waiting for the Counter change still out', [...OCC_READY, began('READY_FOR_CONNECTION'), took('allocate')], joined('viewer-a'), []],
      ['...and added once it is taken', [...OCC_READY, began('READY_FOR_CONNECTION'), took('allocate'), joined('viewer-a')], took('updatecounter'), [add('viewer-a')]],
      ['a client leaves: its id is removed', OCC_A, left('viewer-a'), [remove('viewer-a')]],
      ['a client without an id: nothing for the List', OCC_SESSION, stepped([], null, { inSession: true, readiness: 'SESSION_ACTIVE' }), []],
      ['the session ends without quitting: Ready, and the Counter back to 0', OCC_SESSION, stepped([], 'READY_FOR_CONNECTION'), [send('ready'), count(-1)]],
      ['a remove answered not found: the List is right, nothing is tried again', [...OCC_A, left('viewer-a')], refusedFor('removelistvalue', 'not found'), []],
      ['an add answered already exists: held, nothing is tried again', [...OCC_SESSION, joined('viewer-a')], refusedFor('addlistvalue', 'already exists'), []],
      ['an add the full List refuses: logged once, the id waits', [...OCC_A, joined('viewer-b')], refusedFor('addlistvalue', 'out of range', 'out of range. No available capacity'), [warn({ list: 'clients', error: 'out of range. No available capacity' }, 'Agones List is full: a connected client is listed once another leaves')]],
      ['...a second one: not logged again', [...OCC_A, joined('viewer-b'), refusedFor('addlistvalue', 'out of range'), joined('viewer-c')], refusedFor('addlistvalue', 'out of range'), []],
      ['...a listed client leaves: removed', [...OCC_A, joined('viewer-b'), refusedFor('addlistvalue', 'out of range')], left('viewer-a', 'SESSION_ACTIVE'), [remove('viewer-a')]],
      ['...and the one that waited is added in its place', [...OCC_A, joined('viewer-b'), refusedFor('addlistvalue', 'out of range'), left('viewer-a', 'SESSION_ACTIVE')], took('removelistvalue'), [add('viewer-b')]],
      ['...unless it left meanwhile', [...OCC_A, joined('viewer-b'), refusedFor('addlistvalue', 'out of range'), left('viewer-b', 'SESSION_ACTIVE'), left('viewer-a', 'SESSION_ACTIVE')], took('removelistvalue'), []],
      ['a List change refused (the sidecar away): tried again after the back-off', [...OCC_SESSION, joined('viewer-a')], refused('addlistvalue'), [failed('addlistvalue', 'trying again'), start('retryOccupancy', 200)]],
      ['...and sent again', [...OCC_SESSION, joined('viewer-a'), refused('addlistvalue')], fired('retryOccupancy'), [add('viewer-a')]],
      ['a Counter change not answered in time is not sent again', [...OCC_READY, began('READY_FOR_CONNECTION'), took('allocate')], timedOut('updatecounter', 'PATCH not answered within 3 s'), [failed('updatecounter', 'not sent again', 'PATCH not answered within 3 s'), start('retryOccupancy', 200)]],
      ['...nor after the back-off', [...OCC_READY, began('READY_FOR_CONNECTION'), took('allocate'), timedOut('updatecounter')], fired('retryOccupancy'), []],
      ['a Counter change refused (the sidecar away): sent again after the back-off', [...OCC_READY, began('READY_FOR_CONNECTION'), took('allocate'), refused('updatecounter')], fired('retryOccupancy'), [count(1)]],
      ['a Counter change out of range (an allocation counted the session): logged, left as it is', [...OCC_READY, began('READY_FOR_CONNECTION'), took('allocate')], refusedFor('updatecounter', 'out of range', 'out of range. Found Count: 2'), [warn({ counter: 'sessions', error: 'out of range. Found Count: 2' }, 'Agones Counter refused the change; left as it is')]],
      ['stopped: nothing more for the Counter or the List', [...OCC_SESSION, STOP], joined('viewer-a'), []],
    ],
    NAMES,
  );

  it('shows the Counter and the List as the calls taken left them, and what is still to send', () => {
    expect(agonesView(after([started()], NAMES))).toMatchObject({ counter: { name: 'sessions', declared: null, count: 0 }, list: { name: 'clients', declared: null, size: 0 }, pendingCalls: ['gameserver'] });
    expect(agonesView(after(OCC_A, NAMES))).toMatchObject({ counter: { name: 'sessions', declared: true, count: 1 }, list: { name: 'clients', declared: true, size: 1 }, pendingCalls: [] });
    expect(agonesView(after([...OCC_A, joined('viewer-b')], NAMES)).pendingCalls).toEqual(['addlistvalue']);
    expect(agonesView(after([...OCC_A, left('viewer-a'), refusedFor('removelistvalue', 'not found')], NAMES)).list).toMatchObject({ size: 0 });
    expect(agonesView(after([...OCC_A, joined('viewer-b'), refusedFor('addlistvalue', 'out of range')], NAMES)).pendingCalls).toEqual([]);
    expect(agonesView(after([started(), read({ counters: {}, lists: {} })], NAMES))).toMatchObject({ counter: { declared: false }, list: { declared: false }, pendingCalls: [] });
    expect(agonesView(after([]))).toMatchObject({ counter: null, list: null });
  });
});
