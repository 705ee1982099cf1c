import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { ServiceMetrics } from '../metrics.js';
import { OPERATIONS_BY_PATH } from './operations.js';

/**
 * One log line and one metric count per answer, whichever path answered it: method, path,
 * status and time taken; never the body, query or headers (credentials, tokens). Successes
 * log at debug (the probes are polled constantly; a change is logged at info as a state
 * change), and so do the 5xx an operation's handler gave (readiness 503 is a state, logged
 * once as it changes); refusals at info; failures at error.
 */
export class RequestLog {
  constructor(
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics,
  ) {}

  /** Records the answer to `req` once it has been sent; `started` from process.hrtime.bigint(). */
  recordWhenSent(req: IncomingMessage, res: ServerResponse & { locals?: Express.Locals }, started: bigint): void {
    res.once('finish', () => this.record(req.method ?? '?', req.url?.split('?')[0] ?? '', res.statusCode, started, res.locals?.byHandler === true));
  }

  /** `byHandler`: the operation's handler gave this answer (it is one the spec declares). */
  record(method: string, path: string, status: number, started: bigint, byHandler: boolean): void {
    this.metrics.countRequest(method, routeOf(path), status);
    const normal = status < 400 || (byHandler && status >= 500);
    if (normal && this.logger.isLevelEnabled?.('debug') === false) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const line = { method, path, status, ms: Math.round(ms * 100) / 100 };
    if (normal) this.logger.debug?.(line, 'request');
    else if (status < 500) this.logger.info(line, 'request');
    else this.logger.error(line, 'request');
  }
}

/** The spec paths by their lower-case spelling. */
const ROUTES = new Map([...OPERATIONS_BY_PATH.keys()].map((path) => [path.toLowerCase(), path]));

/**
 * The spec path a request reaches, or "unmatched": as Express routes, in any letter case and
 * with one trailing slash or none, so that the count names the route that answered.
 */
function routeOf(path: string): string {
  const key = path.toLowerCase();
  return ROUTES.get(key.length > 1 && key.endsWith('/') ? key.slice(0, -1) : key) ?? 'unmatched';
}
