// The Agones adapter's rules as a pure, total step: (state, input) → (state, effects). The
// shell (adapter.ts) feeds it the session's changes and the sidecar's answers, and runs the
// effects: SDK calls, timers on the injected clock, log lines, the end of a shutdown.

import type { AgonesView } from '../../generated/types.gen.js';
import { IdSet } from '../core/id-set.js';
import { assertNever } from '../core/machine.js';
import { READINESS_TABLE, type ReadinessReason } from '../core/readiness.js';
import { labelValue } from './labels.js';
import type { AgonesCall, Declared, Refusal } from './sdk.js';

/** Label keys; Agones shows them as `agones.dev/sdk-session-id` and `agones.dev/sdk-readiness`. */
export const SESSION_LABEL = 'session-id';
export const READINESS_LABEL = 'readiness';

/** Back-off between tries of a call the sidecar did not take: doubling, up to the cap. */
export const RETRY_FIRST_MS = 200;
export const RETRY_MAX_MS = 5000;
/** How long a quitting service waits for the sidecar to take `Shutdown` before it exits all the same. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/** A lifecycle call: they go out one at a time, in order, never behind a label. */
export type LifecycleCall = 'ready' | 'allocate' | 'shutdown';

/** What became of one call: the sidecar took it, refused it (or was not there), or did not answer in time. */
export type Outcome = 'taken' | 'refused' | 'timed out';

/** The three send lanes: each has one call out at most, and its own back-off. */
export type LaneName = 'lifecycle' | 'label' | 'occupancy';
const LANES: readonly LaneName[] = ['lifecycle', 'label', 'occupancy'];

/** The timers the step asks for; the shell owns one of each at most. */
export type AgonesTimer = 'health' | 'retryLifecycle' | 'retryLabel' | 'retryOccupancy' | 'shutdownDeadline';

const RETRY_TIMER: Record<LaneName, AgonesTimer> = { lifecycle: 'retryLifecycle', label: 'retryLabel', occupancy: 'retryOccupancy' };

/** The Counter and List the adapter keeps, by name; null: not kept (the setting is empty). */
export interface OccupancyNames {
  readonly counter: string | null;
  readonly list: string | null;
}

/**
 * The Counter of sessions (0 or 1): `count` is what the GameServer holds as far as the
 * service's calls know. `declared` is null until the GameServer is read.
 */
export interface CounterState {
  readonly name: string;
  readonly declared: boolean | null;
  readonly count: number;
}

/**
 * The List of connected client ids: `held` is what it holds as far as the service's calls
 * know; `queue` the ids that may differ from the connected ones, in the order they changed;
 * `parked` the connected ids the List refused for want of room, tried again once one leaves.
 */
export interface ListState {
  readonly name: string;
  readonly declared: boolean | null;
  readonly held: IdSet;
  readonly queue: readonly string[];
  readonly parked: IdSet;
  /** The List answered full, and nothing was added since: logged once. */
  readonly fullLogged: boolean;
}

/** The occupancy call out, not answered yet. */
export type OccupancyCall =
  | { readonly call: 'gameserver' }
  | { readonly call: 'updatecounter'; readonly countDiff: number }
  | { readonly call: 'addlistvalue' | 'removelistvalue'; readonly value: string };


export interface Label {
  readonly key: string;
  readonly value: string;
}

export interface LaneState {
  /** A call of this lane is out, not answered yet. */
  readonly sending: boolean;
  /** The lane waits out a back-off before its next try. */
  readonly backingOff: boolean;
  readonly retryMs: number;
}

export interface AgonesState {
  readonly sdkUrl: string;
  readonly healthPeriodMs: number;
  /** Lifecycle calls not yet taken, in order; the first is the one out, if any. */
  readonly lifecycle: readonly LifecycleCall[];
  /** Label values not yet sent, in the order their keys came; a newer value replaces one still waiting. */
  readonly labels: readonly Label[];
  /** The label out, not answered yet. */
  readonly labelOut: Label | null;
  readonly lanes: Readonly<Record<LaneName, LaneState>>;
  readonly healthPings: boolean;
  /** Whether the next READY_FOR_CONNECTION calls `Ready`: at start-up, and after a session ended. */
  readonly readyDue: boolean;
  /** A shutdown was asked for and has not ended (taken, or its deadline passed). */
  readonly shutdownAsked: boolean;
  readonly stopped: boolean;
  /** The last failure logged, so that a sidecar that stays away is logged once. */
  readonly loggedFailure: string | null;
  readonly gameServer: AgonesView['state'];
  readonly lastCall: AgonesView['lastCall'];
  readonly lastError: string | null;
  /** The session's readiness as last heard. */
  readonly readiness: ReadinessReason;
  /** A session is under way: credentials came or a client connected, and it has not ended. */
  readonly inSession: boolean;
  /** `Allocate` was asked for since the last `Ready`: the GameServer is (or will be) Allocated. */
  readonly allocated: boolean;
  /** The GameServer is still to be read for its Counters and Lists. */
  readonly readDue: boolean;
  /** The ids of the clients connected now, as the session's events name them. */
  readonly clients: IdSet;
  readonly counter: CounterState | null;
  readonly list: ListState | null;
  readonly occupancyOut: OccupancyCall | null;
}

const IDLE_LANE: LaneState = Object.freeze({ sending: false, backingOff: false, retryMs: RETRY_FIRST_MS });

export function initialAgonesState(sdkUrl: string, healthPeriodMs: number, names: OccupancyNames = { counter: null, list: null }): AgonesState {
  return Object.freeze({
    sdkUrl,
    healthPeriodMs,
    lifecycle: [],
    labels: [],
    labelOut: null,
    lanes: { lifecycle: IDLE_LANE, label: IDLE_LANE, occupancy: IDLE_LANE },
    healthPings: true,
    readyDue: true,
    shutdownAsked: false,
    stopped: false,
    loggedFailure: null,
    gameServer: null,
    lastCall: null,
    lastError: null,
    readiness: 'APP_NOT_READY',
    inSession: false,
    allocated: false,
    readDue: names.counter !== null || names.list !== null,
    clients: IdSet.EMPTY,
    counter: names.counter === null ? null : { name: names.counter, declared: null, count: 0 },
    list: names.list === null ? null : { name: names.list, declared: null, held: IdSet.EMPTY, queue: [], parked: IdSet.EMPTY, fullLogged: false },
    occupancyOut: null,
  });
}

export type AgonesInput =
  /** The adapter starts: the session's readiness then, and the first health ping. */
  | { readonly type: 'started'; readonly readiness: ReadinessReason }
  | { readonly type: 'readinessChanged'; readonly readiness: ReadinessReason }
  /**
   * A step of the session: the session ids it named, in order; whether a session is under way
   * after it; whether it ended the session without quitting; the client id that connected or
   * disconnected, if any; and the readiness after it.
   */
  | {
      readonly type: 'sessionStepped';
      readonly sessionIds: readonly string[];
      readonly inSession: boolean;
      readonly ended: boolean;
      readonly joined: string | null;
      readonly left: string | null;
      readonly readiness: ReadinessReason;
    }
  | { readonly type: 'appExited' }
  | { readonly type: 'shutdownAsked' }
  | { readonly type: 'stop' }
  | { readonly type: 'answered'; readonly call: AgonesCall; readonly outcome: 'taken' }
  | { readonly type: 'answered'; readonly call: AgonesCall; readonly outcome: 'refused' | 'timed out'; readonly error: string; readonly refusal?: Refusal }
  /** `GET /gameserver` answered: what the GameServer declares. */
  | { readonly type: 'gameServerRead'; readonly declared: Declared }
  | { readonly type: 'timerFired'; readonly timer: AgonesTimer };

export type AgonesEffect =
  | { readonly type: 'send'; readonly call: 'ready' | 'allocate' | 'shutdown' | 'health' | 'gameserver' }
  | { readonly type: 'send'; readonly call: 'setlabel'; readonly key: string; readonly value: string }
  | { readonly type: 'send'; readonly call: 'updatecounter'; readonly name: string; readonly countDiff: number }
  | { readonly type: 'send'; readonly call: 'addlistvalue' | 'removelistvalue'; readonly name: string; readonly value: string }
  | { readonly type: 'startTimer'; readonly timer: AgonesTimer; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly timer: AgonesTimer }
  | { readonly type: 'log'; readonly level: 'info' | 'warn'; readonly details: Readonly<Record<string, unknown>>; readonly msg: string }
  /** Stop hearing the session. */
  | { readonly type: 'detach' }
  /** A shutdown asked for has ended: the service may exit. */
  | { readonly type: 'resolveShutdown' };

export interface AgonesStep {
  readonly state: AgonesState;
  readonly effects: readonly AgonesEffect[];
}

/**
 * The adapter: `Ready` when readiness first reaches READY_FOR_CONNECTION and again after each
 * session that ended without quitting, `Allocate` when a session starts (credentials came or a
 * first client connected) once readiness answers 200, health pings while the application lives,
 * the session id and readiness as labels, `Shutdown` when the service quits. Lifecycle calls,
 * labels and occupancy (a Counter of sessions and a List of connected client ids, when the
 * GameServer declares them) go out on three lanes, each one call at a time, so that a slow label
 * never holds back `Ready`, `Allocate` or `Shutdown`. A lifecycle call the sidecar does not take
 * (it may start after us) is tried again with back-off, and so is a label it refuses. A label is
 * sent at its latest value only: one that has a newer value behind it, or that the sidecar did
 * not answer in time (it may still carry it out), is not sent again; nor is a Counter change.
 */
export function agonesStep(state: AgonesState, input: AgonesInput): AgonesStep {
  const s = new Stepper(state);
  switch (input.type) {
    case 'started':
      s.readinessChanged(input.readiness);
      s.ping();
      s.kick('occupancy');
      break;
    case 'readinessChanged':
      s.readinessChanged(input.readiness);
      break;
    case 'sessionStepped':
      s.sessionStepped(input);
      break;
    case 'appExited':
      // Agones marks a server without pings Unhealthy, and replaces it.
      s.log('warn', {}, 'application exited by itself: Agones health pings stopped');
      s.stopHealth();
      break;
    case 'shutdownAsked':
      // `Shutdown` goes after the lifecycle calls still waiting (labels do not hold it back); a
      // service told to quit exits whether or not the sidecar takes it, after the deadline.
      s.stopHealth();
      s.effects.push({ type: 'startTimer', timer: 'shutdownDeadline', ms: SHUTDOWN_DEADLINE_MS });
      s.state = { ...s.state, shutdownAsked: true };
      s.call('shutdown');
      break;
    case 'stop':
      s.stop();
      break;
    case 'answered':
      s.answered(input);
      break;
    case 'gameServerRead':
      s.gameServerRead(input.declared);
      break;
    case 'timerFired':
      s.timerFired(input.timer);
      break;
    default:
      return assertNever(input);
  }
  return { state: s.state, effects: s.effects };
}

/** What the status report shows of the adapter. */
export function agonesView(state: AgonesState): AgonesView {
  const { counter, list } = state;
  return {
    sdkUrl: state.sdkUrl,
    state: state.gameServer,
    lastCall: state.lastCall,
    lastError: state.lastError,
    healthPings: state.healthPings,
    pendingCalls: [...state.lifecycle, ...state.labels.map(() => 'setlabel' as const), ...occupancyPending(state)],
    counter: counter && { name: counter.name, declared: counter.declared, count: counter.count },
    list: list && { name: list.name, declared: list.declared, size: list.held.size },
  };
}

/** The occupancy calls out or still to make: the read, the Counter's change, one per List value that differs. */
function occupancyPending(state: AgonesState): Array<'gameserver' | 'updatecounter' | 'addlistvalue' | 'removelistvalue'> {
  if (state.stopped) return [];
  if (state.readDue) return ['gameserver'];
  const pending: Array<'gameserver' | 'updatecounter' | 'addlistvalue' | 'removelistvalue'> = [];
  const out = state.occupancyOut;
  if (out !== null && out.call !== 'gameserver') pending.push(out.call);
  const { counter, list } = state;
  if (counter?.declared === true && counter.count !== wantedCount(state) && out?.call !== 'updatecounter') pending.push('updatecounter');
  if (list?.declared === true) {
    for (const id of new Set(list.queue)) {
      if (out !== null && out.call !== 'gameserver' && out.call !== 'updatecounter' && out.value === id) continue;
      const change = listChange(state, list, id);
      if (change !== null) pending.push(change);
    }
  }
  return pending;
}

const wantedCount = (state: AgonesState) => (state.inSession ? 1 : 0);

/** The call that would bring the List in line for `id`, or null when it is. */
function listChange(state: AgonesState, list: ListState, id: string): 'addlistvalue' | 'removelistvalue' | null {
  const wanted = state.clients.has(id);
  if (wanted === list.held.has(id)) return null;
  if (wanted && list.parked.has(id)) return null;
  return wanted ? 'addlistvalue' : 'removelistvalue';
}

/** Whether readiness answers 200 for this reason. */
const answers200 = (reason: ReadinessReason) => READINESS_TABLE.find((row) => row.reason === reason)?.httpStatus === 200;

/** One step's working copy: the state so far and the effects asked for, in order. */
class Stepper {
  readonly effects: AgonesEffect[] = [];
  constructor(public state: AgonesState) {}

  log(level: 'info' | 'warn', details: Record<string, unknown>, msg: string): void {
    this.effects.push({ type: 'log', level, details, msg });
  }

  readinessChanged(readiness: ReadinessReason): void {
    this.state = { ...this.state, readiness };
    this.setLabel(READINESS_LABEL, readiness);
    this.moveGameServer();
  }

  sessionStepped(input: Extract<AgonesInput, { type: 'sessionStepped' }>): void {
    for (const id of input.sessionIds) this.setLabel(SESSION_LABEL, id);
    // A reusable server: back into the fleet's Ready pool once it can take a viewer.
    if (input.ended) this.state = { ...this.state, readyDue: true };
    const { clients } = this.state;
    this.state = {
      ...this.state,
      readiness: input.readiness,
      inSession: input.inSession,
      clients: input.joined !== null ? clients.add(input.joined) : input.left !== null ? clients.delete(input.left) : clients,
    };
    for (const id of [input.joined, input.left]) if (id !== null) this.queueListValue(id);
    this.moveGameServer();
    this.kick('occupancy');
  }

  /**
   * `Ready` when one is owed, readiness is READY_FOR_CONNECTION and no session is under way
   * (a Ready server may be handed to another viewer); `Allocate` when a session is under way,
   * readiness answers 200, and none was asked for since the last `Ready`.
   */
  moveGameServer(): void {
    const { readyDue, readiness, inSession, allocated, shutdownAsked } = this.state;
    if (readyDue && readiness === 'READY_FOR_CONNECTION' && !inSession) {
      this.state = { ...this.state, readyDue: false, allocated: false };
      this.call('ready');
    }
    if (inSession && !allocated && !shutdownAsked && answers200(readiness)) {
      this.state = { ...this.state, allocated: true };
      this.call('allocate');
    }
  }

  /** `id` connected or left: the List may have to follow. */
  queueListValue(id: string): void {
    const { list } = this.state;
    if (list === null || list.declared === false) return;
    this.state = { ...this.state, list: { ...list, queue: [...list.queue, id] } };
  }

  setLabel(key: string, text: string): void {
    if (this.state.stopped) return;
    this.state = { ...this.state, labels: withLabel(this.state.labels, { key, value: labelValue(text) }) };
    this.kick('label');
  }

  call(call: LifecycleCall): void {
    if (this.state.stopped) return;
    this.state = { ...this.state, lifecycle: [...this.state.lifecycle, call] };
    this.kick('lifecycle');
  }

  /** Sends the lane's next call, unless one is out or a back-off is under way (it will). */
  kick(name: LaneName): void {
    const lane = this.state.lanes[name];
    if (lane.sending || lane.backingOff || this.state.stopped) return;
    if (name === 'lifecycle') {
      const call = this.state.lifecycle[0];
      if (call === undefined) return;
      this.setLane(name, { ...lane, sending: true });
      this.effects.push({ type: 'send', call });
      return;
    }
    if (name === 'occupancy') {
      const next = this.nextOccupancyCall();
      if (next === null) return;
      this.state = { ...this.state, occupancyOut: next };
      this.setLane(name, { ...lane, sending: true });
      const { counter, list } = this.state;
      if (next.call === 'gameserver') this.effects.push({ type: 'send', call: 'gameserver' });
      else if (next.call === 'updatecounter') this.effects.push({ type: 'send', call: 'updatecounter', name: counter!.name, countDiff: next.countDiff });
      else this.effects.push({ type: 'send', call: next.call, name: list!.name, value: next.value });
      return;
    }
    const [next, ...rest] = this.state.labels;
    if (next === undefined) return;
    this.state = { ...this.state, labels: rest, labelOut: next };
    this.setLane(name, { ...lane, sending: true });
    this.effects.push({ type: 'send', call: 'setlabel', key: next.key, value: next.value });
  }

  /** The read first; then the Counter's change; then the List's, in the order clients came and went. */
  nextOccupancyCall(): OccupancyCall | null {
    if (this.state.readDue) return { call: 'gameserver' };
    const { counter } = this.state;
    if (counter?.declared === true && counter.count !== wantedCount(this.state)) return { call: 'updatecounter', countDiff: wantedCount(this.state) - counter.count };
    let { list } = this.state;
    if (list?.declared !== true) return null;
    let next: OccupancyCall | null = null;
    let i = 0;
    for (; i < list.queue.length && next === null; i++) {
      const change = listChange(this.state, list, list.queue[i]!);
      if (change !== null) next = { call: change, value: list.queue[i]! };
    }
    list = { ...list, queue: list.queue.slice(i) };
    this.state = { ...this.state, list };
    return next;
  }

  setLane(name: LaneName, lane: LaneState): void {
    this.state = { ...this.state, lanes: { ...this.state.lanes, [name]: lane } };
  }

  /** One ping now and the next one period later, whatever the answer: a steady beat. */
  ping(): void {
    if (!this.state.healthPings) return;
    this.effects.push({ type: 'startTimer', timer: 'health', ms: this.state.healthPeriodMs });
    this.effects.push({ type: 'send', call: 'health' });
  }

  stopHealth(): void {
    if (this.state.healthPings) this.effects.push({ type: 'cancelTimer', timer: 'health' });
    this.state = { ...this.state, healthPings: false };
  }

  /** Stops pings, tries and listening; calls waiting are dropped. A shutdown's deadline still runs. */
  stop(): void {
    if (this.state.stopped) return;
    this.stopHealth();
    for (const name of LANES) {
      const lane = this.state.lanes[name];
      if (lane.backingOff) this.effects.push({ type: 'cancelTimer', timer: RETRY_TIMER[name] });
      this.setLane(name, { ...lane, backingOff: false });
    }
    this.state = { ...this.state, stopped: true, lifecycle: [], labels: [] };
    this.effects.push({ type: 'detach' });
  }

  /** The shutdown asked for has ended: the service may go. */
  shutdownDone(): void {
    this.effects.push({ type: 'cancelTimer', timer: 'shutdownDeadline' });
    this.state = { ...this.state, shutdownAsked: false };
    this.stop();
    this.effects.push({ type: 'resolveShutdown' });
  }

  timerFired(timer: AgonesTimer): void {
    switch (timer) {
      case 'health':
        this.ping();
        return;
      case 'retryLifecycle':
      case 'retryLabel':
      case 'retryOccupancy': {
        const name = LANES.find((lane) => RETRY_TIMER[lane] === timer)!;
        this.setLane(name, { ...this.state.lanes[name], backingOff: false });
        this.kick(name);
        return;
      }
      case 'shutdownDeadline':
        if (!this.state.shutdownAsked) return;
        this.log('warn', { sdkUrl: this.state.sdkUrl }, 'Agones Shutdown not taken in time; exiting all the same');
        this.shutdownDone();
        return;
      default:
        assertNever(timer);
    }
  }

  /** The sidecar took a call: shown, and a failure logged before is over. */
  took(call: AgonesCall): void {
    this.state = { ...this.state, lastCall: { call, ok: true } };
    if (this.state.loggedFailure !== null) {
      this.log('info', { sdkUrl: this.state.sdkUrl, call }, 'Agones SDK reachable again');
      this.state = { ...this.state, loggedFailure: null };
    }
  }

  answered(input: Extract<AgonesInput, { type: 'answered' }>): void {
    const { call, outcome } = input;
    const { sdkUrl } = this.state;
    if (input.outcome !== 'taken' && input.refusal !== undefined && isOccupancyCall(call) && call !== 'gameserver') return this.occupancyRefused(input.error, input.refusal);
    if (input.outcome === 'taken') {
      this.took(call);
    } else {
      const { error } = input;
      this.state = { ...this.state, lastCall: { call, ok: false }, lastError: error };
      if (error !== this.state.loggedFailure) {
        const then = (call === 'setlabel' || call === 'updatecounter') && outcome === 'timed out' ? 'not sent again' : 'trying again';
        this.log('warn', { sdkUrl, call, error }, `Agones SDK call failed; ${then}`);
        this.state = { ...this.state, loggedFailure: error };
      }
    }
    if (call === 'health') return;
    if (call === 'setlabel') this.labelAnswered(outcome);
    else if (isOccupancyCall(call)) this.occupancyAnswered(outcome);
    else this.lifecycleAnswered(call, outcome);
  }

  /** The GameServer read: the Counter and List it declares are kept from now on; the others are off, said once. */
  gameServerRead(declared: Declared): void {
    this.took('gameserver');
    const { counter, list } = this.state;
    this.state = { ...this.state, readDue: false, occupancyOut: null };
    if (counter !== null) {
      const count = declared.counters[counter.name];
      this.state = { ...this.state, counter: { ...counter, declared: count !== undefined, count: count ?? 0 } };
      if (count === undefined) this.log('info', { counter: counter.name }, 'Agones GameServer declares no such Counter: sessions are not counted');
    }
    if (list !== null) {
      const values = declared.lists[list.name];
      if (values === undefined) {
        this.state = { ...this.state, list: { ...list, declared: false, queue: [] } };
        this.log('info', { list: list.name }, 'Agones GameServer declares no such List: connected clients are not listed');
      } else {
        // Values left from before (a restart of the service) go; connected clients come in.
        const held = values.reduce((set, value) => set.add(value), IdSet.EMPTY);
        const queue = [...values.filter((value) => !this.state.clients.has(value)), ...this.state.clients];
        this.state = { ...this.state, list: { ...list, declared: true, held, queue } };
      }
    }
    this.sent('occupancy');
  }

  /** An occupancy call was answered (taken, or not: tried again after the back-off). */
  occupancyAnswered(outcome: Outcome): void {
    const out = this.state.occupancyOut;
    this.state = { ...this.state, occupancyOut: null };
    const { counter, list } = this.state;
    if (out?.call === 'updatecounter' && counter !== null && outcome !== 'refused') {
      // Not answered in time: the sidecar may still carry it out, so it is not sent again.
      this.state = { ...this.state, counter: { ...counter, count: counter.count + out.countDiff } };
    }
    if ((out?.call === 'addlistvalue' || out?.call === 'removelistvalue') && list !== null) {
      if (outcome === 'taken') return this.listTook(out.call, out.value);
      // Tried again: adding or removing twice is answered "already exists" or "not found".
      this.state = { ...this.state, list: { ...list, queue: [out.value, ...list.queue] } };
    }
    if (outcome === 'taken') this.sent('occupancy');
    else this.backOff('occupancy');
  }

  listTook(call: 'addlistvalue' | 'removelistvalue', value: string): void {
    const list = this.state.list!;
    if (call === 'addlistvalue') {
      this.state = { ...this.state, list: { ...list, held: list.held.add(value), fullLogged: false } };
    } else {
      // Room for a client the List had no room for: one still connected is tried again (those
      // gone meanwhile are forgotten on the way).
      const held = list.held.delete(value);
      let { parked } = list;
      let next: string | undefined;
      for (const id of list.parked) {
        parked = parked.delete(id);
        if (this.state.clients.has(id) && !held.has(id)) {
          next = id;
          break;
        }
      }
      this.state = { ...this.state, list: { ...list, held, parked, queue: next === undefined ? list.queue : [...list.queue, next] } };
    }
    this.sent('occupancy');
  }

  /** The sidecar answered that the change cannot be made as asked: the Counter or List is kept right all the same. */
  occupancyRefused(error: string, refusal: Refusal): void {
    const out = this.state.occupancyOut;
    this.state = { ...this.state, occupancyOut: null, lastCall: { call: out?.call ?? 'gameserver', ok: false } };
    const { counter, list } = this.state;
    if (out?.call === 'updatecounter' && counter !== null) {
      if (refusal === 'not found') {
        this.state = { ...this.state, counter: { ...counter, declared: false } };
        this.log('warn', { counter: counter.name, error }, 'Agones Counter not found: sessions are not counted');
      } else {
        // Out of range: the count is at the end it was moving to (an allocation counted the session).
        this.state = { ...this.state, counter: { ...counter, count: wantedCount(this.state) } };
        this.log('warn', { counter: counter.name, error }, 'Agones Counter refused the change; left as it is');
      }
    }
    if ((out?.call === 'addlistvalue' || out?.call === 'removelistvalue') && list !== null) {
      const { value } = out;
      if (out.call === 'removelistvalue' && refusal === 'not found') return this.listTook('removelistvalue', value);
      if (out.call === 'addlistvalue' && refusal === 'already exists') return this.listTook('addlistvalue', value);
      if (out.call === 'addlistvalue' && refusal === 'out of range') {
        this.state = { ...this.state, list: { ...list, parked: list.parked.add(value), fullLogged: true } };
        if (!list.fullLogged) this.log('warn', { list: list.name, error }, 'Agones List is full: a connected client is listed once another leaves');
      } else if (refusal === 'not found') {
        this.state = { ...this.state, list: { ...list, declared: false, queue: [], parked: IdSet.EMPTY } };
        this.log('warn', { list: list.name, error }, 'Agones List not found: connected clients are not listed');
      } else {
        this.log('warn', { list: list.name, error }, 'Agones List refused the change; left as it is');
      }
    }
    this.sent('occupancy');
  }

  lifecycleAnswered(call: LifecycleCall, outcome: Outcome): void {
    // Not taken, or not answered in time: tried again (the sidecar takes either twice alike).
    if (outcome !== 'taken') return this.backOff('lifecycle');
    this.state = { ...this.state, lifecycle: this.state.lifecycle.slice(1) };
    if (call === 'ready') this.state = { ...this.state, gameServer: 'Ready' };
    if (call === 'allocate') this.state = { ...this.state, gameServer: 'Allocated' };
    if (call === 'shutdown') {
      this.log('info', { sdkUrl: this.state.sdkUrl }, 'Agones GameServer shut down');
      this.state = { ...this.state, gameServer: 'Shutdown' };
      if (this.state.shutdownAsked) this.shutdownDone();
    }
    this.sent('lifecycle');
  }

  labelAnswered(outcome: Outcome): void {
    const out = this.state.labelOut;
    this.state = { ...this.state, labelOut: null };
    if (outcome === 'taken') return this.sent('label');
    // Refused, and nothing newer for its key: it is tried again. Not answered in time: the
    // sidecar may still carry it out, so it is not.
    if (outcome === 'refused' && out !== null && !this.state.labels.some((l) => l.key === out.key)) {
      this.state = { ...this.state, labels: [...this.state.labels, out] };
    }
    this.backOff('label');
  }

  /** A call the lane sent was taken: the back-off starts over and the next call goes out. */
  sent(name: LaneName): void {
    this.setLane(name, { ...this.state.lanes[name], sending: false, retryMs: RETRY_FIRST_MS });
    this.kick(name);
  }

  /** A call the lane sent was not taken: the lane waits, doubling the wait each time up to RETRY_MAX_MS. */
  backOff(name: LaneName): void {
    const lane = this.state.lanes[name];
    if (this.state.stopped) {
      this.setLane(name, { ...lane, sending: false });
      return;
    }
    this.effects.push({ type: 'startTimer', timer: RETRY_TIMER[name], ms: lane.retryMs });
    this.setLane(name, { sending: false, backingOff: true, retryMs: Math.min(lane.retryMs * 2, RETRY_MAX_MS) });
  }
}

/** `labels` with `label`: in place of a value waiting for its key, or after the others. */
function withLabel(labels: readonly Label[], label: Label): readonly Label[] {
  const at = labels.findIndex((l) => l.key === label.key);
  return at === -1 ? [...labels, label] : labels.map((l, i) => (i === at ? label : l));
}

const isOccupancyCall = (call: AgonesCall): call is 'gameserver' | 'updatecounter' | 'addlistvalue' | 'removelistvalue' =>
  call === 'gameserver' || call === 'updatecounter' || call === 'addlistvalue' || call === 'removelistvalue';
