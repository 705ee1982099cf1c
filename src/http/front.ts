import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '../core/logger.js';
import type { AccessSettings } from './access.js';
import { toHttpError } from './errors.js';
import { deliver, NO_INPUT, type Handlers, type InputlessOperation, type OperationId } from './handlers.js';
import type { InflightRequests } from './inflight.js';
import { nextTurn, preloadPackages } from './preload.js';
import { OPERATION_IDS, OPERATIONS } from './operations.js';
import type { RequestOutcomes } from './request-log.js';
import { send } from './send.js';

export interface FrontDependencies {
  handlers: Handlers;
  logger: Logger;
  inflight: InflightRequests;
  outcomes: RequestOutcomes;
  access: AccessSettings;
}

export interface Front {
  /** The request listener: plain GETs of open operations straight to their handlers, the rest through Express. */
  handler(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * The operations a plain GET may reach without the body parser and the validator: they take
 * no input and need no access rule (the probes, status and metrics, which are polled).
 */
const DIRECT: Readonly<Record<string, ReadonlyMap<string, InputlessOperation>>> = {
  GET: new Map(OPERATION_IDS.filter(isDirect).filter((id) => OPERATIONS[id].method === 'get').map((id) => [OPERATIONS[id].path, id])),
  HEAD: new Map(OPERATION_IDS.filter(isDirect).filter((id) => OPERATIONS[id].method === 'head').map((id) => [OPERATIONS[id].path, id])),
};

function isDirect(id: OperationId): id is InputlessOperation {
  const { method, hasInput, security, localOnly } = OPERATIONS[id];
  return (method === 'get' || method === 'head') && !hasInput && security.length === 0 && !localOnly;
}

/**
 * What answers the service's requests. Every answer is counted, logged and waited for by
 * quitting here, whichever way it goes. Express, the validator and the spec load when a
 * request first needs them, not at start-up (they would double the idle memory): the probes
 * answer without them, and meanwhile.
 */
export function createFront(deps: FrontDependencies): Front {
  let loaded: Express | undefined;
  let loading: Promise<Express> | undefined;
  /** The requests that came while the HTTP layer loaded, handed to it in turn. */
  let handingOver = Promise.resolve();

  function app(): Promise<Express> {
    loading ??= load().then((express) => (loaded = express));
    return loading;
  }

  /**
   * Loads the HTTP layer in steps, a turn of the event loop apart, so that probes polled
   * meanwhile wait for one step at most (tens of ms), not for the whole load.
   */
  async function load(): Promise<Express> {
    await preloadPackages(['express', 'express-openapi-validator']);
    const [{ createApp }, { loadSpec }] = await Promise.all([import('../app.js'), import('./spec.js')]);
    await nextTurn();
    const express = createApp({ handlers: deps.handlers, spec: loadSpec(), logger: deps.logger, access: deps.access });
    // The validator readies itself on promises once built: a turn for that before any request.
    await nextTurn();
    return express;
  }

  /** Counts an answer for quitting to wait on, and logs it once sent. */
  function track(req: IncomingMessage, res: ServerResponse, started: bigint): void {
    deps.inflight.track(res);
    deps.outcomes.recordWhenSent(req, res, started);
  }

  function direct(id: InputlessOperation, req: IncomingMessage, res: ServerResponse, started: bigint): void {
    const fail = (error: unknown) => {
      deps.logger.error({ err: error, method: req.method, path: req.url }, 'request failed');
      send(res, { status: 500, body: toHttpError(error, req).toBody() });
    };
    const exchange = { req, res };
    try {
      const result = deps.handlers[id](NO_INPUT, exchange);
      if (result instanceof Promise) {
        track(req, res, started);
        return void deliver(result, exchange)?.catch(fail);
      }
      // Answered at once (the probes): nothing to wait for, logged now.
      deliver(result, exchange);
      deps.outcomes.record(req.method!, req.url!, res.statusCode, started, true);
    } catch (error) {
      fail(error);
      deps.outcomes.record(req.method!, req.url!, res.statusCode, started, false);
    }
  }

  function handler(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const id = isBodiless(req) ? DIRECT[req.method!]?.get(req.url!) : undefined;
    if (id !== undefined) return direct(id, req, res, started);
    track(req, res, started);
    if (loaded) return void loaded(req, res);
    const failed = (err: unknown) => {
      deps.logger.error({ err, method: req.method, url: req.url }, 'request failed: the HTTP app did not load');
      send(res, { status: 500, body: { status: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' } });
    };
    // Those that waited for the load go on a turn apart, in order: each may build its route's validator.
    const after = handingOver.then(() => app()).then(async (express) => {
      await nextTurn();
      express(req, res);
    });
    handingOver = after.catch(failed);
  }

  return { handler };
}

/** A request that carries or announces a body goes through the body parser. */
function isBodiless(req: IncomingMessage): boolean {
  const h = req.headers;
  return h['content-length'] === undefined && h['transfer-encoding'] === undefined && h['content-type'] === undefined && h['content-encoding'] === undefined;
}
