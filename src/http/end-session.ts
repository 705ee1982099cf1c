import type { Logger } from '../core/logger.js';
import type { Session } from '../core/session.js';
import type { Handler } from './handlers.js';
import { toBoolean } from '../core/lenient.js';

/** `POST /v1/streaming/endsession`: ends the session or opens its resume window. */
export function endSession(session: Session, logger: Logger): Handler<'endSession'> {
  return ({ body }) => {
    const request = { sessionId: body.sessionId ?? undefined, gracefulShutdown: toBoolean(body.gracefulShutdown) };
    const sessionStatus = session.endSession(request);
    logger.info({ sessionId: request.sessionId ?? null, gracefulShutdown: request.gracefulShutdown ?? false, sessionStatus }, 'endsession');
    // The service exits once this answer is out: don't hold the connection open.
    const headers = session.state.phase.name === 'recycling' ? { Connection: 'close' } : undefined;
    return { status: 200, body: { sessionStatus }, headers };
  };
}
