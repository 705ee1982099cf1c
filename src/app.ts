import type { IncomingMessage, RequestListener } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import type { KitEventBus } from './core/bus.js';
import type { Logger } from './core/logger.js';
import type { PendingResponses } from './connections.js';
import type { ServiceMetrics } from './metrics.js';
import { accessRules, type AccessSettings } from './http/access.js';
import { refuseDeepBody, rejectInvalidUtf8, requireBody, verifyBody } from './http/body.js';
import { docsRouter } from './http/docs.js';
import { endSession } from './http/end-session.js';
import { errorHandler, methodNotAllowed, notFound, toHttpError } from './http/errors.js';
import { getMetrics } from './http/get-metrics.js';
import { getStatus, type StatusSources } from './http/get-status.js';
import { deliver, NO_INPUT, send, type BodyOf, type ErrorShapes, type Handler, type Handlers, type InputlessOperation, type OperationId, type PathOf, type QueryOf } from './http/handlers.js';
import { OPERATION_IDS, OPERATIONS, OPERATIONS_BY_PATH } from './http/operations.js';
import { checkReady, checkStartup } from './http/probe-handlers.js';
import type { RequestLog } from './http/request-log.js';
import { sendEvent } from './http/send-event.js';
import { credentialsRejection, setCredentials } from './http/set-credentials.js';
import type { LoadedSpec } from './http/spec.js';
import { streamEvents, type EventStreams } from './http/stream-events.js';
import { requestValidator } from './http/validator.js';

/** Largest request body accepted; credentials bodies are well under 2 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface HandlerDependencies extends StatusSources {
  readonly bus: KitEventBus;
  readonly logger: Logger;
  readonly streams: EventStreams;
  readonly responses: PendingResponses;
  readonly metrics: ServiceMetrics;
}

/** The handler of every operation in the spec. */
export function createHandlers(deps: HandlerDependencies): Handlers {
  const ready = checkReady(deps.session);
  return {
    checkReady: ready,
    // HEAD: the GET's status and headers; Node sends no body with them.
    checkReadyHead: (_request, exchange) => ready(NO_INPUT, exchange),
    checkStartup,
    checkStartupHead: (_request, exchange) => checkStartup(NO_INPUT, exchange),
    setCredentials: setCredentials(deps.session),
    endSession: endSession(deps.session, deps.logger),
    sendEvent: sendEvent(deps.bus, deps.session),
    streamEvents: streamEvents(deps.streams, (res) => deps.responses.release(res)),
    getStatus: getStatus(deps),
    getMetrics: getMetrics(deps.metrics),
  };
}

/** The error shape of each operation whose errors are not the shared shape as it is. */
const ERROR_SHAPES: ErrorShapes = { setCredentials: credentialsRejection };

export interface AppDependencies {
  handlers: Handlers;
  spec: LoadedSpec;
  logger: Logger;
  access: AccessSettings;
}

/**
 * Builds the HTTP app; never listens. Each operation of the spec is one route: its access
 * rule (before any body is read), the body parser and the checks of the body (charset,
 * nesting, UTF-8, present when required), the validator, then its handler.
 */
export function createApp({ handlers, spec, logger, access }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(docsRouter(spec));
  // Any JSON value is parsed (not only objects and arrays), so that the validator names what is wrong with it.
  const json = [express.json({ limit: BODY_LIMIT_BYTES, strict: false, verify: verifyBody }), refuseDeepBody, rejectInvalidUtf8];
  const validator = requestValidator(spec.document);
  const mount = <K extends OperationId>(id: K) => {
    const { path, method } = OPERATIONS[id];
    app.route(path)[method](operationOf(id), ...accessRules(OPERATIONS[id], access), json, OPERATIONS[id].bodyRequired ? [requireBody] : [], validator);
    app.route(path)[method]<PathOf<K>, unknown, BodyOf<K>, QueryOf<K>>(route(handlers[id]));
  };
  // HEAD routes first: Express lets a GET route answer HEAD too, before a later HEAD route could.
  for (const id of [...OPERATION_IDS].sort((a, b) => Number(OPERATIONS[b].method === 'head') - Number(OPERATIONS[a].method === 'head'))) mount(id);
  for (const [path, methods] of OPERATIONS_BY_PATH) {
    const allowed = [...methods.keys()].map((m) => m.toUpperCase());
    app.all(path, (req, _res, next) => next(methodNotAllowed(req.method, allowed)));
  }
  app.use((_req, _res, next) => next(notFound()));
  app.use(errorHandler(logger, ERROR_SHAPES));
  return app;
}

/** Names the operation a request is for: its error answers take that operation's shape. */
function operationOf(id: OperationId): RequestHandler {
  return (_req, res, next) => {
    res.locals.operationId = id;
    next();
  };
}

/** The handler, given the request as the validator has checked it against the spec. */
function route<K extends OperationId>(handler: Handler<K>): RequestHandler<PathOf<K>, unknown, BodyOf<K>, QueryOf<K>> {
  return (req, res, next) => {
    // Its answers are the operation's own, not the pipeline's errors (the request log tells them apart).
    res.locals.byHandler = true;
    try {
      deliver(handler({ body: req.body, query: req.query, path: req.params }, { req, res }), res)?.catch(next);
    } catch (error) {
      next(error);
    }
  };
}

export interface ListenerDependencies {
  app: Express;
  handlers: Handlers;
  logger: Logger;
  responses: PendingResponses;
  requests: RequestLog;
}

/**
 * The service's request listener. A plain GET or HEAD of an operation that takes no input
 * and has no access rule (the probes, status, metrics: what orchestrators poll) goes
 * straight to its handler, the one its Express route calls; every other request goes
 * through the Express app. Every answer is counted, logged and waited for by quitting.
 */
export function requestListener({ app, handlers, logger, responses, requests }: ListenerDependencies): RequestListener {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const id = isBodiless(req) ? DIRECT[req.method!]?.get(req.url!) : undefined;
    if (id === undefined) {
      responses.track(res);
      requests.recordWhenSent(req, res, started);
      return void app(req, res);
    }
    const fail = (error: unknown) => {
      logger.error({ err: error, method: req.method, path: req.url }, 'request failed');
      send(res, { status: 500, body: toHttpError(error, req).toBody() });
    };
    try {
      const answering = deliver(handlers[id](NO_INPUT, { req, res }), res);
      if (answering === undefined) return requests.record(req.method!, req.url!, res.statusCode, started, true);
      // An answer still to come (metrics): quitting waits for it.
      responses.track(res);
      requests.recordWhenSent(req, res, started);
      answering.catch(fail);
    } catch (error) {
      fail(error);
      requests.record(req.method!, req.url!, res.statusCode, started, false);
    }
  };
}

/** The operations a plain GET or HEAD reaches without the body parser and the validator, by method and path. */
const DIRECT: Readonly<Record<string, ReadonlyMap<string, InputlessOperation>>> = {
  GET: directAt('get'),
  HEAD: directAt('head'),
};

function directAt(method: 'get' | 'head'): ReadonlyMap<string, InputlessOperation> {
  const direct = (id: OperationId): id is InputlessOperation => {
    const { hasInput, security, localOnly } = OPERATIONS[id];
    return OPERATIONS[id].method === method && !hasInput && security.length === 0 && !localOnly;
  };
  return new Map(OPERATION_IDS.filter(direct).map((id) => [OPERATIONS[id].path, id]));
}

/** A request that carries or announces a body goes through the body parser. */
function isBodiless({ headers: h }: IncomingMessage): boolean {
  return h['content-length'] === undefined && h['transfer-encoding'] === undefined && h['content-type'] === undefined && h['content-encoding'] === undefined;
}
