import type { RequestHandler } from 'express';
import type { EndSessionRequest, EndSessionResult } from '../../generated/types.gen.js';
import type { Session, SessionLogger } from '../core/session.js';

export function endSession(session: Session, logger: SessionLogger): RequestHandler {
  return (req, res) => {
    const request = (req.body ?? {}) as EndSessionRequest;
    const sessionStatus = session.endSession(request);
    logger.info({ sessionId: request.sessionId ?? null, gracefulShutdown: request.gracefulShutdown ?? false, sessionStatus }, 'endsession');
    // The service exits once this answer is out: don't hold the connection open.
    if (session.state.phase.name === 'recycling') res.set('Connection', 'close');
    res.status(200).json({ sessionStatus } satisfies EndSessionResult);
  };
}
