import type { SessionStatus, StreamingCredentials } from '../../generated/types.gen.js';
import { OPERATIONS } from '../http/operations.js';
import type { Clients } from './clients.js';
import { decide, seconds, skip, type CheckContext } from './context.js';
import { shown, stringField, type Answer } from './http.js';
import { MESSAGE_OF } from './readiness-states.js';

const CREDS_PATH = OPERATIONS.setCredentials.path;
const END_SESSION_PATH = OPERATIONS.endSession.path;
const READY_PATH = OPERATIONS.checkReady.path;

/** STUN and TURN details shaped as NVCF sends them (the values reach nobody). */
export const NVCF_CREDENTIALS: StreamingCredentials = {
  stunIp: 'stun.example.com',
  stunPort: 3478,
  username: 'nvcf-check',
  password: 'nvcf-check-password',
  privateSharedPort: 49100,
  turnDetails: {
    username: 'nvcf-check-turn',
    password: 'nvcf-check-turn-password',
    uris: ['turns:turn.example.com:443?transport=tcp', 'turn:turn.example.com:3478?transport=udp'],
    relayProtocol: 'TCP',
    transportPolicy: 'ALL',
    relayLocation: 'CSP',
  },
};

export async function postCredentials(ctx: CheckContext, credentials: StreamingCredentials): Promise<void> {
  const started = ctx.clock.now();
  const answer = await ctx.target.request('POST', CREDS_PATH, credentials);
  const accepted = answer.httpStatus === 200 && (answer.body as { success?: unknown } | undefined)?.success === true;
  const hint = answer.httpStatus === 401 ? ': the target wants an access token (--token)' : '';
  decide(ctx, started, 'credentials', accepted, '200 {"success":true,"errorMessage":null} for STUN with TURN details', `${shown(answer)}${hint}`);
}

export interface EndSessionPlan {
  sessionId: string;
  /** Whether the target is expected to resume. */
  resume: boolean;
  /** Whether the target is expected to quit once the session ends. */
  quit: boolean;
  /** From /v1/streaming/status, when known. */
  resumeTimeoutSeconds: number | null;
  reconnectWindowSeconds: number;
  /** Kit's message is expected in the resume window, not only 200. */
  strictKit: boolean;
  /** When the target's clients can be played: a client comes back inside the first window. */
  clients?: Clients;
}

/** Calls to the target near the end of its resume window may land on either side of it. */
const WINDOW_EDGE_MS = 1000;

/**
 * NVCF's side once the client has left: endsession non-gracefully through the reconnect
 * window, then gracefully. Resolves when the graceful call is answered (or cannot be).
 */
export async function endTheSession(ctx: CheckContext, plan: EndSessionPlan): Promise<{ sessionEndedAt: number; gracefulAt: number }> {
  const nonGraceful = { sessionId: plan.sessionId, gracefulShutdown: false };
  let opened = ctx.clock.now();
  const first = await ctx.target.request('POST', END_SESSION_PATH, nonGraceful);
  const firstStatus = sessionStatus(first);
  const expectFirst: SessionStatus = plan.resume ? 'AWAITING_RESUME' : 'COMPLETE';
  decide(ctx, opened, 'endsession', firstStatus === expectFirst, `200 ${expectFirst} to gracefulShutdown: false (${plan.resume ? 'resumption on' : 'resumption off'})`, `${shown(first)}${whatItDoes(firstStatus, plan)}`);
  // When the call that ended the session was made: a quitting target may go from then on.
  let endedAt = firstStatus === 'COMPLETE' ? opened : undefined;

  const windowMs = plan.reconnectWindowSeconds * 1000;
  const resumeMs = plan.resumeTimeoutSeconds === null ? null : plan.resumeTimeoutSeconds * 1000;
  const inWindow = new WindowReadiness(ctx, plan.strictKit);
  if (firstStatus !== 'AWAITING_RESUME') {
    if (plan.clients) skip(ctx, 'resume by reconnection', 'a client back inside the resume window resumes the session', 'no resume window was opened');
    skip(ctx, 'endsession repeated', 'AWAITING_RESUME on every call inside the resume window', 'no resume window was opened');
  } else {
    const inside: Array<{ at: number; answer: Answer }> = [];
    let after: { at: number; answer: Answer; sentAt: number } | undefined;
    await inWindow.look(0);
    if (plan.clients) {
      // The session resumes, and the client leaves again: NVCF's next call opens a new window.
      await plan.clients.resume();
      opened = ctx.clock.now();
      inside.push({ at: 0, answer: await ctx.target.request('POST', END_SESSION_PATH, nonGraceful) });
    }
    for (;;) {
      await ctx.sleep(ctx.pollIntervalMs);
      const at = ctx.clock.now() - opened;
      if (at >= windowMs) break;
      const sentAt = ctx.clock.now();
      const answer = await ctx.target.request('POST', END_SESSION_PATH, nonGraceful);
      const status = sessionStatus(answer);
      if (resumeMs !== null && at > resumeMs + WINDOW_EDGE_MS) {
        after = { at, answer, sentAt };
        break;
      }
      if (status === 'AWAITING_RESUME') {
        inside.push({ at, answer });
        // Near its end the window may close by itself between the two calls.
        if (resumeMs === null || at < resumeMs - WINDOW_EDGE_MS) await inWindow.look(at);
        continue;
      }
      if (resumeMs !== null && at >= resumeMs - WINDOW_EDGE_MS && (status === 'COMPLETE' || answer.httpStatus === null)) {
        after = { at, answer, sentAt };
        break;
      }
      if (resumeMs === null && status === 'COMPLETE') {
        // No status endpoint to learn the resume timeout from: a window shorter than the reconnect window.
        ctx.warn(`the target ended the session ${seconds(at)} into the reconnect window (${seconds(windowMs)}): its resume timeout is shorter than the reconnect window`);
        after = { at, answer, sentAt };
        break;
      }
      inside.push({ at, answer });
      if (status === 'COMPLETE') endedAt = sentAt;
      break;
    }
    inWindow.judge(opened);
    const wrong = inside.find(({ answer }) => sessionStatus(answer) !== 'AWAITING_RESUME');
    const calls = `${inside.length + 1} calls over ${seconds(inside.at(-1)?.at ?? 0)}`;
    decide(ctx, opened, 'endsession repeated', wrong === undefined, 'AWAITING_RESUME on every call inside the resume window', wrong ? `${shown(wrong.answer)} at ${seconds(wrong.at)}` : `AWAITING_RESUME on ${calls}`);
    if (after && resumeMs !== null) {
      const status = sessionStatus(after.answer);
      const gone = after.answer.httpStatus === null && plan.quit;
      decide(
        ctx,
        opened,
        'endsession after the resume window',
        status === 'COMPLETE' || gone,
        `200 COMPLETE once the resume window (${seconds(resumeMs)}) has passed${plan.quit ? ', or no answer (the target ended the session by itself and quit)' : ''}`,
        `${shown(after.answer)} at ${seconds(after.at)}`,
      );
    }
    if (after && sessionStatus(after.answer) === 'COMPLETE') endedAt = after.sentAt;
    // No answer: the target ended the session by itself as the window ran out, and quit.
    if (after && after.answer.httpStatus === null && resumeMs !== null) endedAt = Math.min(after.sentAt, opened + resumeMs - WINDOW_EDGE_MS);
  }

  const gracefulAt = ctx.clock.now();
  const graceful = await ctx.target.request('POST', END_SESSION_PATH, { sessionId: plan.sessionId, gracefulShutdown: true });
  const ended = endedAt !== undefined;
  const goneAfterEnd = ended && plan.quit && graceful.httpStatus === null;
  decide(
    ctx,
    gracefulAt,
    'endsession graceful',
    sessionStatus(graceful) === 'COMPLETE' || goneAfterEnd,
    `200 COMPLETE to gracefulShutdown: true${ended && plan.quit ? ', or no answer (the session had ended already and the target quits)' : ''}`,
    shown(graceful),
  );
  return { sessionEndedAt: endedAt ?? gracefulAt, gracefulAt };
}

/** NVCF keeps polling readiness while it offers a reconnect, and recycles the instance on anything but 200. */
class WindowReadiness {
  readonly #seen: Array<{ at: number; answer: Answer }> = [];

  constructor(
    private readonly ctx: CheckContext,
    private readonly strictKit: boolean,
  ) {}

  async look(at: number): Promise<void> {
    this.#seen.push({ at, answer: await this.ctx.target.request('GET', READY_PATH) });
  }

  judge(opened: number): void {
    const message = MESSAGE_OF.AWAITING_RESUME;
    const expected = this.strictKit ? `200 "${message}" on every poll while the window is open` : `200 on every poll while the window is open (Kit says "${message}")`;
    const fits = (answer: Answer) => answer.httpStatus === 200 && (!this.strictKit || stringField(answer, 'statusMessage') === message);
    const wrong = this.#seen.find(({ answer }) => !fits(answer));
    const got = wrong ? `${shown(wrong.answer)} at ${seconds(wrong.at)}` : `${shown(this.#seen.at(-1)!.answer)} on ${this.#seen.length} poll(s)`;
    decide(this.ctx, opened, 'readiness in the resume window', wrong === undefined, expected, got);
  }
}

function sessionStatus(answer: Answer): string | undefined {
  return answer.httpStatus === 200 ? stringField(answer, 'sessionStatus') : undefined;
}

/** Says which the target does when the first answer is not the expected one. */
function whatItDoes(status: string | undefined, plan: EndSessionPlan): string {
  if (status === 'COMPLETE' && plan.resume) {
    const why = plan.resumeTimeoutSeconds === 0 ? ' (its resumeTimeoutSeconds is 0)' : '';
    return `: the target has resumption off${why}; pass --no-resume if that is meant`;
  }
  if (status === 'AWAITING_RESUME' && !plan.resume) return ': the target resumes sessions; leave out --no-resume if that is meant';
  return '';
}
