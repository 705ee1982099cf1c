// The Agones adapter's rules as a pure, total step: (state, input) → (state, effects). The
// shell (adapter.ts) feeds it the session's changes and the sidecar's answers, and runs the
// effects: SDK calls, timers on the injected clock, log lines, the end of a shutdown.

import type { AgonesView } from '../../generated/types.gen.js';
import { assertNever } from '../core/machine.js';
import type { ReadinessReason } from '../core/readiness.js';
import { labelValue } from './labels.js';
import type { AgonesCall } from './sdk.js';

/** Label keys; Agones shows them as `agones.dev/sdk-session-id` and `agones.dev/sdk-readiness`. */
export const SESSION_LABEL = 'session-id';
export const READINESS_LABEL = 'readiness';

/** Back-off between tries of a call the sidecar did not take: doubling, up to the cap. */
export const RETRY_FIRST_MS = 200;
export const RETRY_MAX_MS = 5000;
/** How long a quitting service waits for the sidecar to take `Shutdown` before it exits all the same. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

/** A lifecycle call: they go out one at a time, in order, never behind a label. */
export type LifecycleCall = 'ready' | 'shutdown';

/** What became of one call: the sidecar took it, refused it (or was not there), or did not answer in time. */
export type Outcome = 'taken' | 'refused' | 'timed out';

/** The two send lanes: each has one call out at most, and its own back-off. */
export type LaneName = 'lifecycle' | 'label';

/** The timers the step asks for; the shell owns one of each at most. */
export type AgonesTimer = 'health' | 'retryLifecycle' | 'retryLabel' | 'shutdownDeadline';

const RETRY_TIMER: Record<LaneName, AgonesTimer> = { lifecycle: 'retryLifecycle', label: 'retryLabel' };

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
}

const IDLE_LANE: LaneState = Object.freeze({ sending: false, backingOff: false, retryMs: RETRY_FIRST_MS });

export function initialAgonesState(sdkUrl: string, healthPeriodMs: number): AgonesState {
  return Object.freeze({
    sdkUrl,
    healthPeriodMs,
    lifecycle: [],
    labels: [],
    labelOut: null,
    lanes: { lifecycle: IDLE_LANE, label: IDLE_LANE },
    healthPings: true,
    readyDue: true,
    shutdownAsked: false,
    stopped: false,
    loggedFailure: null,
    gameServer: null,
    lastCall: null,
    lastError: null,
  });
}

export type AgonesInput =
  /** The adapter starts: the session's readiness then, and the first health ping. */
  | { readonly type: 'started'; readonly readiness: ReadinessReason }
  | { readonly type: 'readinessChanged'; readonly readiness: ReadinessReason }
  /** A step of the session: the session ids it named, in order, and its readiness if the session just ended. */
  | { readonly type: 'sessionStepped'; readonly sessionIds: readonly string[]; readonly endedWith: ReadinessReason | null }
  | { readonly type: 'appExited' }
  | { readonly type: 'shutdownAsked' }
  | { readonly type: 'stop' }
  | { readonly type: 'answered'; readonly call: AgonesCall; readonly outcome: 'taken' }
  | { readonly type: 'answered'; readonly call: AgonesCall; readonly outcome: 'refused' | 'timed out'; readonly error: string }
  | { readonly type: 'timerFired'; readonly timer: AgonesTimer };

export type AgonesEffect =
  | { readonly type: 'send'; readonly call: 'ready' | 'shutdown' | 'health' }
  | { readonly type: 'send'; readonly call: 'setlabel'; readonly key: string; readonly value: string }
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
 * session that ended without quitting, health pings while the application lives, the session
 * id and readiness as labels, `Shutdown` when the service quits. Lifecycle calls and labels go
 * out on two lanes, each one call at a time, so that a slow label never holds back `Ready` or
 * `Shutdown`. A lifecycle call the sidecar does not take (it may start after us) is tried again
 * with back-off, and so is a label it refuses. A label is sent at its latest value only: one
 * that has a newer value behind it, or that the sidecar did not answer in time (it may still
 * carry it out), is not sent again.
 */
export function agonesStep(state: AgonesState, input: AgonesInput): AgonesStep {
  const s = new Stepper(state);
  switch (input.type) {
    case 'started':
      s.readinessChanged(input.readiness);
      s.ping();
      break;
    case 'readinessChanged':
      s.readinessChanged(input.readiness);
      break;
    case 'sessionStepped':
      for (const id of input.sessionIds) s.setLabel(SESSION_LABEL, id);
      if (input.endedWith !== null) {
        // A reusable server: back into the fleet's Ready pool once it can take a viewer.
        s.state = { ...s.state, readyDue: true };
        s.readyIfDue(input.endedWith);
      }
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
  return {
    sdkUrl: state.sdkUrl,
    state: state.gameServer,
    lastCall: state.lastCall,
    lastError: state.lastError,
    healthPings: state.healthPings,
    pendingCalls: [...state.lifecycle, ...state.labels.map(() => 'setlabel' as const)],
  };
}

/** One step's working copy: the state so far and the effects asked for, in order. */
class Stepper {
  readonly effects: AgonesEffect[] = [];
  constructor(public state: AgonesState) {}

  log(level: 'info' | 'warn', details: Record<string, unknown>, msg: string): void {
    this.effects.push({ type: 'log', level, details, msg });
  }

  readinessChanged(readiness: ReadinessReason): void {
    this.setLabel(READINESS_LABEL, readiness);
    this.readyIfDue(readiness);
  }

  readyIfDue(readiness: ReadinessReason): void {
    if (!this.state.readyDue || readiness !== 'READY_FOR_CONNECTION') return;
    this.state = { ...this.state, readyDue: false };
    this.call('ready');
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
    const [next, ...rest] = this.state.labels;
    if (next === undefined) return;
    this.state = { ...this.state, labels: rest, labelOut: next };
    this.setLane(name, { ...lane, sending: true });
    this.effects.push({ type: 'send', call: 'setlabel', key: next.key, value: next.value });
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
    for (const name of ['lifecycle', 'label'] as const) {
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
      case 'retryLabel': {
        const name: LaneName = timer === 'retryLifecycle' ? 'lifecycle' : 'label';
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

  answered(input: Extract<AgonesInput, { type: 'answered' }>): void {
    const { call, outcome } = input;
    const { sdkUrl } = this.state;
    if (input.outcome === 'taken') {
      this.state = { ...this.state, lastCall: { call, ok: true } };
      if (this.state.loggedFailure !== null) {
        this.log('info', { sdkUrl, call }, 'Agones SDK reachable again');
        this.state = { ...this.state, loggedFailure: null };
      }
    } else {
      const { error } = input;
      this.state = { ...this.state, lastCall: { call, ok: false }, lastError: error };
      if (error !== this.state.loggedFailure) {
        const then = call === 'setlabel' && outcome === 'timed out' ? 'not sent again' : 'trying again';
        this.log('warn', { sdkUrl, call, error }, `Agones SDK call failed; ${then}`);
        this.state = { ...this.state, loggedFailure: error };
      }
    }
    if (call === 'health') return;
    if (call === 'setlabel') this.labelAnswered(outcome);
    else this.lifecycleAnswered(call, outcome);
  }

  lifecycleAnswered(call: LifecycleCall, outcome: Outcome): void {
    // Not taken, or not answered in time: tried again (the sidecar takes either twice alike).
    if (outcome !== 'taken') return this.backOff('lifecycle');
    this.state = { ...this.state, lifecycle: this.state.lifecycle.slice(1) };
    if (call === 'ready') this.state = { ...this.state, gameServer: 'Ready' };
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
