import type { RequestHandler } from 'express';
import type { ServiceMetrics } from '../metrics.js';
import { READY_PATH, STARTUP_PATH } from './paths.js';

export interface RequestLogger {
  info(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

const PROBES = new Set([READY_PATH, STARTUP_PATH]);

/**
 * One log line and one metric count per answer: method, path, status and time taken.
 * Never the body, the query or the headers (they may carry credentials or a token).
 * Orchestrators poll the probes constantly, so their answers log at debug level.
 */
export function requestLog(logger: RequestLogger, metrics: ServiceMetrics, routes: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 100) / 100 };
      if (PROBES.has(req.path) && res.statusCode < 400) logger.debug?.(line, 'request');
      else logger.info(line, 'request');
      metrics.countRequest(req.method, routes.has(req.path) ? req.path : 'unmatched', res.statusCode);
    });
    next();
  };
}
