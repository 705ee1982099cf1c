// The Agones adapter's step, table by table: a state reached by a list of inputs, one more
// input, and the effects it must ask for. No sidecar, no clock: the expected effects are
// written out from the rules (README, Agones' SDK contract), not taken from the code.
import { describe, expect, it } from 'vitest';
import { agonesStep, agonesView, initialAgonesState, type AgonesEffect, type AgonesInput, type AgonesState } from '../../src/agones/machine.js';
import type { ReadinessReason } from '../../src/core/readiness.js';
import { deepFreeze } from '../core/helpers.js';

const URL = 'http://127.0.0.1:9358';
const PERIOD = 2000;
const DOWN = 'fetch failed: connect ECONNREFUSED 127.0.0.1:9358';
const SLOW = 'PUT /metadata/label not answered within 3 s';

const started = (readiness: ReadinessReason = 'APP_NOT_READY'): AgonesInput => ({ type: 'started', readiness });
const readiness = (reason: ReadinessReason): AgonesInput => ({ type: 'readinessChanged', readiness: reason });
const READY = readiness('READY_FOR_CONNECTION');
const stepped = (sessionIds: string[], endedWith: ReadinessReason | null = null): AgonesInput => ({ type: 'sessionStepped', sessionIds, endedWith });
const took = (call: 'ready' | 'shutdown' | 'health' | 'setlabel'): AgonesInput => ({ type: 'answered', call, outcome: 'taken' });
const refused = (call: 'ready' | 'shutdown' | 'health' | 'setlabel', error = DOWN): AgonesInput => ({ type: 'answered', call, outcome: 'refused', error });
const timedOut = (call: 'ready' | 'shutdown' | 'health' | 'setlabel', error = SLOW): AgonesInput => ({ type: 'answered', call, outcome: 'timed out', error });
const fired = (timer: 'health' | 'retryLifecycle' | 'retryLabel' | 'shutdownDeadline'): AgonesInput => ({ type: 'timerFired', timer });
const SHUTDOWN: AgonesInput = { type: 'shutdownAsked' };
const STOP: AgonesInput = { type: 'stop' };
const EXITED: AgonesInput = { type: 'appExited' };

const label = (key: string, value: string): AgonesEffect => ({ type: 'send', call: 'setlabel', key, value });
const send = (call: 'ready' | 'shutdown' | 'health'): AgonesEffect => ({ type: 'send', call });
const start = (timer: 'health' | 'retryLifecycle' | 'retryLabel' | 'shutdownDeadline', ms: number): AgonesEffect => ({ type: 'startTimer', timer, ms });
const cancel = (timer: 'health' | 'retryLifecycle' | 'retryLabel' | 'shutdownDeadline'): AgonesEffect => ({ type: 'cancelTimer', timer });
const failed = (call: string, then: string, error = DOWN): AgonesEffect => ({ type: 'log', level: 'warn', details: { sdkUrl: URL, call, error }, msg: `Agones SDK call failed; ${then}` });
const DETACH: AgonesEffect = { type: 'detach' };
const RESOLVE: AgonesEffect = { type: 'resolveShutdown' };

/** The state after `inputs`, every step checked to leave its (frozen) state as it was. */
function after(inputs: readonly AgonesInput[]): AgonesState {
  let state = deepFreeze(initialAgonesState(URL, PERIOD));
  for (const input of inputs) state = deepFreeze(agonesStep(state, input).state);
  return state;
}

/** Started, its first label and ping taken: an idle adapter before the application is ready. */
const IDLE = [started(), took('setlabel'), took('health')];
/** Idle, then Ready sent and taken with its label. */
const READY_TAKEN = [...IDLE, READY, took('setlabel'), took('ready')];

type Row = [name: string, before: AgonesInput[], input: AgonesInput, effects: AgonesEffect[]];

const table = (rows: Row[]) =>
  it.each(rows)('%s', (_name, before, input, effects) => {
    expect(agonesStep(after(before), input).effects).toEqual(effects);
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
    expect(view).toEqual({ sdkUrl: URL, state: 'Ready', lastCall: { call: 'ready', ok: true }, lastError: DOWN, healthPings: true, pendingCalls: [] });
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
