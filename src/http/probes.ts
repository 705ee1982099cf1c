import type { NotReadyStatus, ReadyStatus } from '../../generated/types.gen.js';
import { READINESS_TABLE, type Readiness } from '../core/readiness.js';
import type { Session } from '../core/session.js';
import type { Handler } from './handlers.js';

const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store' });
const NOT_READY = Object.freeze({ 'Cache-Control': 'no-store', 'Retry-After': '1' });

/** The body of each readiness row, made once and frozen, so that its text is made once too (send.ts). */
const READY = new Map<ReadyStatus['reason'], ReadyStatus>();
const NOT_READY_BODIES = new Map<NotReadyStatus['reason'], NotReadyStatus>();
for (const row of READINESS_TABLE) {
  if (row.httpStatus === 200) READY.set(row.reason, Object.freeze({ statusMessage: row.statusMessage, reason: row.reason }));
  else NOT_READY_BODIES.set(row.reason, Object.freeze({ statusMessage: row.statusMessage, reason: row.reason }));
}

/** The readiness without its HTTP status (the resume window's, whose seconds left change with time). */
function withoutStatus<R extends Readiness>({ httpStatus: _, ...body }: R): Omit<R, 'httpStatus'> {
  return body;
}

/**
 * `GET /v1/streaming/ready`. Probe manners: never cached, and a 503 says when to ask again.
 * A plain GET is answered by this handler ahead of Express (see front.ts); any other
 * request for the path goes through the validator first, to this same handler.
 */
export function checkReady(session: Session): Handler<'checkReady'> {
  return () => {
    const readiness = session.readiness();
    if (readiness.httpStatus === 503) return { status: 503, body: NOT_READY_BODIES.get(readiness.reason)!, headers: NOT_READY };
    const body = readiness.resumeSecondsLeft === undefined ? READY.get(readiness.reason)! : withoutStatus(readiness);
    return { status: 200, body, headers: NO_STORE };
  };
}

export const STARTUP_BODY = Object.freeze({ statusMessage: 'Status: Startup endpoint OK' } as const);

/** `GET /v1/streaming/startup`: always 200, whatever the state of the application. */
export const checkStartup: Handler<'checkStartup'> = () => ({ status: 200, body: STARTUP_BODY, headers: NO_STORE });
