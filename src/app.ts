import type { IncomingMessage } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from './core/logger.js';
import { accessRules, type AccessSettings } from './http/access.js';
import { ERROR_SHAPES } from './http/all-handlers.js';
import { checkBodyBytes, refuseDeepBody, requireBody } from './http/body.js';
import { docsRouter } from './http/docs.js';
import { errorHandler, methodNotAllowed, unknownPath } from './http/errors.js';
import { deliver, type BodyOf, type Handler, type Handlers, type OperationId, type PathOf, type QueryOf } from './http/handlers.js';
import { OPERATION_IDS, OPERATIONS, OPERATIONS_BY_PATH } from './http/operations.js';
import type { LoadedSpec } from './http/spec.js';
import { HANDLER_ANSWERS } from './http/send.js';
import { noteInvalidUtf8, rejectInvalidUtf8 } from './http/utf8.js';
import { requestValidator } from './http/validator.js';

/** Largest request body accepted; credentials bodies are well under 2 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

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
  const verify = (req: IncomingMessage, res: unknown, body: Buffer, charset: string | null) => {
    checkBodyBytes(req, body, charset);
    noteInvalidUtf8(req, res, body);
  };
  // Any JSON value is parsed (not only objects and arrays), so that the validator names what is wrong with it.
  const json = [express.json({ limit: BODY_LIMIT_BYTES, strict: false, verify }), refuseDeepBody, rejectInvalidUtf8];
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
  app.use(unknownPath);
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
    HANDLER_ANSWERS.add(res);
    try {
      const done = deliver(handler({ body: req.body, query: req.query, path: req.params }, { req, res }), { req, res });
      if (done) done.catch(next);
    } catch (error) {
      next(error);
    }
  };
}
