import type { AgonesView } from '../../generated/types.gen.js';
import { NamedTimers, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { assertNever } from '../core/machine.js';
import type { SessionState } from '../core/machine.js';
import type { Session, StepRecord } from '../core/session.js';
import { agonesStep, agonesView, initialAgonesState, type AgonesEffect, type AgonesInput, type AgonesState, type AgonesTimer, type OccupancyNames } from './machine.js';
import { SdkCallRefused, SdkCallTimedOut, type AgonesCall, type AgonesSdk } from './sdk.js';

export { READINESS_LABEL, RETRY_FIRST_MS, RETRY_MAX_MS, SESSION_LABEL, SHUTDOWN_DEADLINE_MS } from './machine.js';

export interface AgonesAdapterOptions {
  session: Session;
  sdk: AgonesSdk;
  clock: Clock;
  logger: Logger;
  healthPeriodMs: number;
  /** The Counter and List to keep, when the GameServer declares them; none by default. */
  occupancy?: OccupancyNames;
}

/**
 * The effects shell around the pure `agonesStep` (see machine.ts for what the adapter does):
 * it feeds the step the session's changes, the sidecar's answers and its timers, keeps the
 * state, and runs the effects (SDK calls, timers on the injected clock, log lines).
 */
export class AgonesAdapter {
  readonly #options: AgonesAdapterOptions;
  #state: AgonesState;
  readonly #timers: NamedTimers<AgonesTimer>;
  readonly #shutdownWaiters: Array<() => void> = [];
  readonly #unsubscribe: Array<() => void>;

  constructor(options: AgonesAdapterOptions) {
    this.#options = options;
    this.#timers = new NamedTimers(options.clock, (timer) => this.#apply({ type: 'timerFired', timer }));
    this.#state = initialAgonesState(options.sdk.url, options.healthPeriodMs, options.occupancy);
    const { session } = options;
    this.#unsubscribe = [
      session.onReadinessChange((now) => this.#apply({ type: 'readinessChanged', readiness: now.reason })),
      session.onStep((step) => this.#stepped(step)),
    ];
    this.#apply({ type: 'started', readiness: session.readiness().reason });
  }

  view(): AgonesView {
    return agonesView(this.#state);
  }

  /**
   * Sends `Shutdown` after the lifecycle calls still waiting (labels do not hold it back); resolves once the sidecar took it, or
   * after SHUTDOWN_DEADLINE_MS (a service told to quit exits whether or not the sidecar answers).
   */
  shutdown(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#shutdownWaiters.push(resolve);
      this.#apply({ type: 'shutdownAsked' });
    });
  }

  /** Stops pings, tries and listening; calls waiting are dropped. */
  stop(): void {
    this.#apply({ type: 'stop' });
  }

  #stepped({ before, after, input }: StepRecord): void {
    if (input.type === 'appExited') return this.#apply({ type: 'appExited' });
    const sessionIds: string[] = [];
    if (after.lastSessionId !== null && after.lastSessionId !== before.lastSessionId) sessionIds.push(after.lastSessionId);
    if (input.type === 'credentials') {
      // A portal or allocator that posts credentials may name the session in them.
      const { sessionId } = input.credentials as { sessionId?: unknown };
      if (typeof sessionId === 'string') sessionIds.push(sessionId);
    }
    const ended = after.phase.name === 'ended' && before.phase.name !== 'ended';
    const inSession = underway(after);
    // The ids the session counts: a connect or disconnect it ignored (said twice, refused) changes none.
    const joined = input.type === 'clientConnected' && input.clientId !== undefined && after.clientIds !== before.clientIds ? input.clientId : null;
    const left = input.type === 'clientDisconnected' && input.clientId !== undefined && after.clientIds !== before.clientIds ? input.clientId : null;
    if (sessionIds.length === 0 && !ended && inSession === underway(before) && joined === null && left === null) return;
    this.#apply({ type: 'sessionStepped', sessionIds, inSession, ended, joined, left, readiness: this.#options.session.readiness().reason });
  }

  #apply(input: AgonesInput): void {
    const result = agonesStep(this.#state, input);
    this.#state = result.state;
    for (const effect of result.effects) this.#run(effect);
  }

  #run(effect: AgonesEffect): void {
    const { sdk, logger } = this.#options;
    switch (effect.type) {
      case 'send': {
        const { call } = effect;
        const failed = (error: unknown) => this.#apply(failure(call, error));
        const taken = () => this.#apply({ type: 'answered', call, outcome: 'taken' });
        switch (effect.call) {
          case 'gameserver':
            sdk.gameServer().then((declared) => this.#apply({ type: 'gameServerRead', declared }), failed);
            return;
          case 'setlabel':
            sdk.setLabel(effect.key, effect.value).then(taken, failed);
            return;
          case 'updatecounter':
            sdk.updateCounter(effect.name, effect.countDiff).then(taken, failed);
            return;
          case 'addlistvalue':
            sdk.addListValue(effect.name, effect.value).then(taken, failed);
            return;
          case 'removelistvalue':
            sdk.removeListValue(effect.name, effect.value).then(taken, failed);
            return;
          default:
            sdk[effect.call]().then(taken, failed);
            return;
        }
      }
      case 'startTimer':
        this.#timers.start(effect.timer, effect.ms);
        return;
      case 'cancelTimer':
        this.#timers.cancel(effect.timer);
        return;
      case 'log':
        logger[effect.level](effect.details, effect.msg);
        return;
      case 'detach':
        for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
        return;
      case 'resolveShutdown':
        for (const resolve of this.#shutdownWaiters.splice(0)) resolve();
        return;
      default:
        assertNever(effect);
    }
  }

}

/** A session is under way from its credentials or first client until it ends: the session's policy clocks run just then. */
function underway(state: SessionState): boolean {
  return state.sessionStartedAt !== null || state.waitingForFirstClientSince !== null;
}

/** What became of a call that failed: not answered in time, or refused (with the reason the sidecar gave, when it gave one). */
function failure(call: AgonesCall, error: unknown): AgonesInput {
  if (error instanceof SdkCallTimedOut) return { type: 'answered', call, outcome: 'timed out', error: errorText(error) };
  const refusal = error instanceof SdkCallRefused ? error.refusal : undefined;
  return { type: 'answered', call, outcome: 'refused', error: errorText(error), ...(refusal && { refusal }) };
}

/** A failure in one line: fetch hides the reason (refused, timed out) in its cause. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
