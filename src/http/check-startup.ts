import type { RequestHandler } from 'express';
import type { StartupStatus } from '../../generated/types.gen.js';
import { probeHeaders, STARTUP_BODY } from './probes.js';

const STARTUP_OK: StartupStatus = STARTUP_BODY;

/** The probe layer (probes.ts) answers plain GETs before Express; this answers the rest alike. */
export function checkStartup(): RequestHandler {
  return (_req, res) => {
    res.status(200).set(probeHeaders(200)).json(STARTUP_OK);
  };
}
