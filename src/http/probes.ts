import type { NotReadyStatus, ReadyStatus } from '../../generated/types.gen.js';
import { READINESS_TABLE, type Readiness, type ReadinessReason } from '../core/readiness.js';
import type { Session } from '../core/session.js';
import type { Handler, Result } from './handlers.js';

const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store' });
const NOT_READY = Object.freeze({ 'Cache-Control': 'no-store', 'Retry-After': '1' });

/** The answer of each readiness row, made once and frozen, so that its head and text are made once too (send.ts). */
const ROW_ANSWERS = new Map<ReadinessReason, Result<'checkReady'>>();
for (const row of READINESS_TABLE) {
  if (row.httpStatus === 200) {
    const body: ReadyStatus = Object.freeze({ statusMessage: row.statusMessage, reason: row.reason });
    ROW_ANSWERS.set(row.reason, Object.freeze({ status: 200, body, headers: NO_STORE }));
  } else {
    const body: NotReadyStatus = Object.freeze({ statusMessage: row.statusMessage, reason: row.reason });
    ROW_ANSWERS.set(row.reason, Object.freeze({ status: 503, body, headers: NOT_READY }));
  }
}

function answerOf(readiness: Readiness): Result<'checkReady'> {
  if (readiness.httpStatus === 503 || readiness.resumeSecondsLeft === undefined) return ROW_ANSWERS.get(readiness.reason)!;
  // The resume window's answer: its seconds left change with time.
  const { httpStatus: _, ...body } = readiness;
  return { status: 200, body, headers: NO_STORE };
}

/**
 * `GET /v1/streaming/ready`. Probe manners: never cached, and a 503 says when to ask again.
 * A plain GET is answered by this handler ahead of Express (see front.ts); any other
 * request for the path goes through the validator first, to this same handler. The answer
 * follows readiness as it changes; only the resume window's is made per request.
 */
export function checkReady(session: Session): Handler<'checkReady'> {
  let current = answerOf(session.readiness());
  session.onReadinessChange((readiness) => (current = answerOf(readiness)));
  return () => (current.status === 200 && session.state.phase.name === 'awaitingResume' ? answerOf(session.readiness()) : current);
}

export const STARTUP_BODY = Object.freeze({ statusMessage: 'Status: Startup endpoint OK' } as const);
const STARTUP_ANSWER: Result<'checkStartup'> = Object.freeze({ status: 200, body: STARTUP_BODY, headers: NO_STORE });

/** `GET /v1/streaming/startup`: always 200, whatever the state of the application. */
export const checkStartup: Handler<'checkStartup'> = () => STARTUP_ANSWER;
