import { isDeepStrictEqual } from 'node:util';
import { OPERATIONS } from '../http/operations.js';
import { STARTUP_BODY } from '../http/probe-handlers.js';
import { decide, leftOf, pauseWithin, seconds, skip, type CheckContext } from './context.js';
import { httpTarget, shown, type Answer } from './http.js';
import { classifyReadiness, MESSAGE_OF } from './readiness-states.js';
import type { ReadinessState } from './types.js';

const READY_PATH = OPERATIONS.checkReady.path;
const STARTUP_PATH = OPERATIONS.checkStartup.path;

/** Polls start-up until 200, as NVCF does before it looks at readiness; false if nothing ever answered. */
export async function walkStartup(ctx: CheckContext, deadline: number, legacy: LegacyPorts): Promise<boolean> {
  const started = ctx.clock.now();
  let answered = false;
  let last: Answer;
  for (;;) {
    last = await ctx.target.request('GET', STARTUP_PATH, undefined, leftOf(ctx, deadline));
    answered ||= last.httpStatus !== null;
    if (last.httpStatus === 200) break;
    if (!answered) await legacy.look(ctx, deadline);
    if (ctx.gone() !== undefined || ctx.clock.now() >= deadline) break;
    await pauseWithin(ctx, deadline);
  }
  const expected = `200 ${JSON.stringify(STARTUP_BODY)}`;
  const after = last.httpStatus === 200 ? '' : `, until ${seconds(ctx.clock.now() - started)}${whyStopped(ctx)}`;
  decide(ctx, started, 'startup', last.httpStatus === 200 && isDeepStrictEqual(last.body, STARTUP_BODY), expected, `${shown(last)}${after}`);
  return answered;
}

/**
 * Looks at start-up once, as a Kubernetes start-up probe would: NVCF never calls it, so a
 * target without it (Kit extensions before 9.1.0, other containers) gets a warning, not a failure.
 */
export async function lookAtStartup(ctx: CheckContext, deadline: number, answered: boolean): Promise<void> {
  const expected = `200 ${JSON.stringify(STARTUP_BODY)}, or none (NVCF never calls it)`;
  if (!answered) return skip(ctx, 'startup', expected, 'not looked at: readiness never answered');
  const started = ctx.clock.now();
  // Part of the wait for readiness: once that wait is over, the answer must come soon.
  const answer = await ctx.target.request('GET', STARTUP_PATH, undefined, leftOf(ctx, deadline));
  if (answer.httpStatus === 404) {
    ctx.warn(`the target has no ${STARTUP_PATH} (404): NVCF never calls it, but a Kubernetes start-up probe on it would fail`);
    return skip(ctx, 'startup', expected, shown(answer));
  }
  if (answer.httpStatus === null) return skip(ctx, 'startup', expected, shown(answer));
  decide(ctx, started, 'startup', answer.httpStatus === 200 && isDeepStrictEqual(answer.body, STARTUP_BODY), expected, shown(answer));
}

/**
 * Polls readiness until 200 or the deadline, each state with how long it lasted; with
 * `legacy`, looks at older Kit health ports while nothing answers.
 */
export async function walkReadiness(ctx: CheckContext, deadline: number, timeoutMs: number, legacy?: LegacyPorts): Promise<{ ready: boolean; states: ReadinessState[] }> {
  const started = ctx.clock.now();
  const walk = new StateWalk(ctx);
  let answered = false;
  let last: Answer;
  for (;;) {
    last = await ctx.target.request('GET', READY_PATH, undefined, leftOf(ctx, deadline));
    walk.saw(last);
    answered ||= last.httpStatus !== null;
    if (!answered) await legacy?.look(ctx, deadline, READY_PATH);
    if (last.httpStatus === 200 || ctx.gone() !== undefined || ctx.clock.now() >= deadline) break;
    await pauseWithin(ctx, deadline);
  }
  const states = walk.end();
  const ready = last.httpStatus === 200;
  const final = states.at(-1)!;
  const waitsFor = final.waitsFor ? `, waiting for ${final.waitsFor}` : '';
  const got = ready
    ? `${stateText(final)} after ${seconds(ctx.clock.now() - started)}: ${walkText(states)}`
    : walk.answers === 1
      ? // Asked once (start-up took the whole time, or the command had exited): nothing was waited for.
        `${stateText(final)} on the one request made${ctx.gone() === undefined ? ` before the ${seconds(timeoutMs)} ran out` : whyStopped(ctx)}${waitsFor}`
      : `still ${stateText(final)} after ${seconds(ctx.clock.now() - started)}${whyStopped(ctx)}${waitsFor}: ${walkText(states)}`;
  decide(ctx, started, 'readiness', ready, `200 within ${seconds(timeoutMs)} of the start`, got);
  return { ready, states };
}

/** Checks that every readiness answer seen is one of Kit's eight, with its own status code. */
export function judgeMessages(ctx: CheckContext, states: readonly ReadinessState[]): void {
  const expected = "one of Kit's eight messages with its status code on every answer";
  const answered = states.filter((s) => s.httpStatus !== null);
  if (answered.length === 0) return skip(ctx, 'readiness messages', expected, 'readiness never answered');
  const wrong = answered.filter((s) => !s.known);
  const got = wrong.length === 0 ? `${answered.length} state(s), each a Kit message with its status code` : wrong.map(stateText).join('; ');
  decide(ctx, ctx.clock.now(), 'readiness messages', wrong.length === 0, expected, got);
}

/** A state as shown: status and message, or why no answer came. */
export function stateText(state: ReadinessState): string {
  return state.httpStatus === null ? state.statusMessage : `${state.httpStatus} "${state.statusMessage}"`;
}

/** The states one after the other, each with how long it lasted. */
export function walkText(states: readonly ReadinessState[]): string {
  return states.map((s) => `${stateText(s)} ${seconds(s.ms)}`).join(' → ');
}

/** Consecutive equal answers make one state; each unknown message is warned about once. */
export class StateWalk {
  readonly #states: Array<ReadinessState & { since: number }> = [];
  readonly #warned = new Set<string>();
  /** How many answers (or failures to answer) were seen. */
  answers = 0;

  constructor(private readonly ctx: CheckContext) {}

  saw(answer: Answer): void {
    this.answers += 1;
    const c = classifyReadiness(answer);
    if (c.unknownMessage && !this.#warned.has(c.statusMessage)) {
      this.#warned.add(c.statusMessage);
      const was = c.predecessorOf
        ? `: it is what omni.services.livestream.nvcf 7.x (Kit 106/107) says for "${MESSAGE_OF[c.predecessorOf]}", so the target runs that older extension (its settings are under /app/livestream/nvcf/)`
        : '';
      this.ctx.warn(`readiness answered ${answer.httpStatus} "${c.statusMessage}", which is not one of Kit's eight messages${was}`);
    }
    const last = this.#states.at(-1);
    if (last && last.httpStatus === answer.httpStatus && last.statusMessage === c.statusMessage) return;
    const now = this.ctx.clock.now();
    if (last) last.ms = now - last.since;
    this.#states.push({ httpStatus: answer.httpStatus, statusMessage: c.statusMessage, known: c.known, ...(c.waitsFor ? { waitsFor: c.waitsFor } : {}), ms: 0, since: now });
  }

  end(): ReadinessState[] {
    const last = this.#states.at(-1);
    if (last) last.ms = this.ctx.clock.now() - last.since;
    return this.#states.map(({ since: _, ms, ...state }) => ({ ...state, ms: Math.round(ms) }));
  }
}

function whyStopped(ctx: CheckContext): string {
  const gone = ctx.gone();
  return gone === undefined ? '' : ` (${gone})`;
}

/** Warns, once, when an older Kit health port answers while the given one does not. */
export class LegacyPorts {
  #looked = false;

  constructor(
    private readonly baseUrl: string,
    private readonly ports: readonly number[],
  ) {}

  async look(ctx: CheckContext, deadline: number, path = STARTUP_PATH): Promise<void> {
    if (this.#looked || ctx.clock.now() >= deadline) return;
    const given = new URL(this.baseUrl);
    const port = given.port || (given.protocol === 'https:' ? '443' : '80');
    for (const other of this.ports) {
      if (String(other) === port) continue;
      const url = new URL(given);
      url.port = String(other);
      const answer = await httpTarget(url.href, { timeoutMs: 2000, clock: ctx.clock }).request('GET', path, undefined, { timeoutMs: Math.max(0, deadline - ctx.clock.now()) });
      if (answer.httpStatus !== null) {
        this.#looked = true;
        ctx.warn(`nothing answers on port ${port}, but port ${other} does (an older Kit health port): is the health port set right?`);
        return;
      }
    }
  }
}
