import type { RequestHandler } from 'express';
import type { Session } from '../core/session.js';
import { probeHeaders, readinessBody } from './probes.js';

/** The probe layer (probes.ts) answers plain GETs before Express; this answers the rest alike. */
export function checkReady(session: Session): RequestHandler {
  return (_req, res) => {
    const readiness = session.readiness();
    res.status(readiness.httpStatus).set(probeHeaders(readiness.httpStatus)).json(readinessBody(readiness));
  };
}
