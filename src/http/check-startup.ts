import type { RequestHandler } from 'express';
import type { StartupStatus } from '../../generated/types.gen.js';

const STARTUP_OK: StartupStatus = { statusMessage: 'Status: Startup endpoint OK' };

export function checkStartup(): RequestHandler {
  return (_req, res) => {
    res.status(200).json(STARTUP_OK);
  };
}
