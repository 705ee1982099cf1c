import type { RequestHandler } from 'express';
import type { Session } from '../core/session.js';

export function checkReady(session: Session): RequestHandler {
  return (_req, res) => {
    const { httpStatus, ...body } = session.readiness();
    res.status(httpStatus).json(body);
  };
}
