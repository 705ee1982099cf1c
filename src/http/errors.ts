import type { IncomingMessage } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { ErrorCode, ErrorResponse, FieldError } from '../../generated/types.gen.js';
import { PREDECESSOR_EVENT_NAMES } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { ErrorShapes, OperationId } from './handlers.js';

declare global {
  namespace Express {
    interface Locals {
      /** The operation a request was routed to, once it has been (see app.ts). */
      operationId?: OperationId;
      /** The operation's handler gave the answer: one the spec declares (see request-log.ts). */
      byHandler?: boolean;
    }
  }
}

export interface HttpErrorFields {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  /** Each field that is wrong (400s). */
  readonly errors?: readonly FieldError[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** An error with its HTTP answer; every error answer has the shape of `ErrorResponse`. */
export class HttpError extends Error {
  declare readonly status: number;
  declare readonly code: ErrorCode;
  declare readonly errors: readonly FieldError[];
  declare readonly headers: Readonly<Record<string, string>>;

  constructor({ status, code, message, errors = [], headers = {} }: HttpErrorFields) {
    super(message);
    Object.assign(this, { status, code, errors, headers });
  }

  toBody(): ErrorResponse {
    return { status: this.status, code: this.code, message: this.message, ...(this.errors.length ? { errors: [...this.errors] } : {}) };
  }
}

const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_STREAMS',
};

/**
 * The fields the body parser (http-errors: `type` e.g. `entity.too.large`, `expose` when the
 * message is meant for the caller), Node (`code` e.g. `Z_DATA_ERROR`) and the validator
 * (`errors`, one per field that is wrong) put on their errors.
 */
interface ForeignError {
  status?: number;
  type?: string;
  limit?: number;
  charset?: string;
  encoding?: string;
  expose?: boolean;
  message?: string;
  code?: string;
  errors?: Array<{ path?: string; message?: string; errorCode?: string }>;
  headers?: Record<string, string>;
}

export const notFound = () => new HttpError({ status: 404, code: 'NOT_FOUND', message: 'No such endpoint; see /docs' });

export function methodNotAllowed(method: string, allowed: readonly string[]): HttpError {
  const allow = allowed.join(', ');
  return new HttpError({ status: 405, code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here; use ${allow}`, headers: { Allow: allow } });
}

/** The one place that maps errors (body parser, validator, ours) to HTTP answers, from their fields. */
export function toHttpError(error: unknown, req?: IncomingMessage): HttpError {
  if (error instanceof HttpError) return error;
  const e: ForeignError = typeof error === 'object' && error !== null ? error : {};
  switch (e.type) {
    case 'entity.parse.failed':
      // Never JSON.parse's message: it quotes the body, which may hold a password.
      return new HttpError({ status: 400, code: 'MALFORMED_JSON', message: 'Request body is not valid JSON' });
    case 'entity.too.large':
      return new HttpError({ status: 413, code: 'PAYLOAD_TOO_LARGE', message: `Request body is larger than ${e.limit} bytes` });
    case 'charset.unsupported':
      return new HttpError({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `Unsupported charset ${e.charset}; use utf-8` });
    case 'encoding.unsupported':
      return new HttpError({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `Unsupported Content-Encoding ${e.encoding}; use gzip, deflate, br or none` });
    case 'request.aborted':
      return new HttpError({ status: 400, code: 'VALIDATION_FAILED', message: 'Request body was not received whole' });
    case 'request.size.invalid':
      return new HttpError({ status: 400, code: 'VALIDATION_FAILED', message: 'Request body does not have the length its Content-Length says' });
  }
  if (e.status === 400 && e.code?.startsWith('Z_')) {
    return new HttpError({ status: 400, code: 'VALIDATION_FAILED', message: 'Request body does not decode per its Content-Encoding' });
  }
  const code = e.status === undefined ? undefined : CODE_OF_STATUS[e.status];
  if (code && Array.isArray(e.errors)) return fromValidator(e.status!, code, e, req);
  if (code && e.expose) return new HttpError({ status: e.status!, code, message: e.message ?? 'Bad request' });
  return new HttpError({ status: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
}

/** A field that is wrong; `missing` when it is required and absent. */
export interface FieldProblem extends FieldError {
  readonly missing?: boolean;
}

/** A 400 naming each field that is wrong, whoever found it (the validator, or a handler's own checks). */
export function validationFailed(problems: readonly FieldProblem[]): HttpError {
  const message = problems.map(describeFieldError).join('; ');
  return new HttpError({ status: 400, code: 'VALIDATION_FAILED', message, errors: problems.map(({ path, message }) => ({ path, message })) });
}

function fromValidator(status: number, code: ErrorCode, e: ForeignError, req: IncomingMessage | undefined): HttpError {
  const found = e.errors ?? [];
  switch (status) {
    case 400:
      return validationFailed(fieldProblems(found).map((problem) => withEventHint(problem, req)));
    case 415:
      return new HttpError({ status, code, message: `Unsupported media type ${req?.headers['content-type'] ?? '(no Content-Type)'}; use application/json` });
    case 404:
      return notFound();
    case 405:
      return methodNotAllowed(req?.method ?? '?', (e.headers?.Allow ?? e.headers?.allow ?? '').split(/,\s*/).filter(Boolean));
    default:
      return new HttpError({ status, code, message: e.message ?? 'Bad request' });
  }
}

/**
 * One problem per field. A field that may take several forms (`anyOf`) gets one problem
 * listing what each form wanted, not one per form.
 */
function fieldProblems(found: NonNullable<ForeignError['errors']>): FieldProblem[] {
  const byPath = new Map<string, Array<{ message: string; keyword: string | undefined }>>();
  for (const fe of found) {
    const path = fe.path ?? '';
    if (!byPath.has(path)) byPath.set(path, []);
    byPath.get(path)!.push({ message: fe.message ?? '', keyword: fe.errorCode?.replace(/\.openapi\.validation$/, '') });
  }
  return [...byPath].flatMap(([path, problems]): FieldProblem[] => {
    if (!problems.some((p) => p.keyword === 'anyOf')) return problems.map((p) => ({ path, message: p.message, missing: p.keyword === 'required' }));
    const forms = problems.filter((p) => p.keyword !== 'anyOf').map((p) => (p.keyword === 'pattern' ? 'must be a string of the form the spec gives (see /docs)' : p.message));
    return [{ path, message: [...new Set(forms)].join(', or ') }];
  });
}

/** An event name the extension gave before 8.0 is refused, saying the name it has now. */
function withEventHint(problem: FieldProblem, req: IncomingMessage | undefined): FieldProblem {
  const event = (req as { body?: { event?: unknown } } | undefined)?.body?.event;
  const now = problem.path === '/body/event' && typeof event === 'string' ? PREDECESSOR_EVENT_NAMES.get(event) : undefined;
  return now ? { ...problem, message: `${problem.message}; ${event} is what omni.services.livestream.nvcf 7.x called ${now}` } : problem;
}

/** `/body/turnDetails/uris/0` and `must be string` → `turnDetails.uris.0 must be string`. */
function describeFieldError({ path, message, missing }: FieldProblem): string {
  const where = path.replace(/^\/(body|query|headers)\/?/, '').replace(/\//g, '.');
  const what = missing ? 'is required' : message;
  return where ? `${where} ${what}` : `request ${path.replace(/^\//, '')} ${what}`.trim();
}

/** Answers every error in the shared shape, or in the shape its operation declares. */
export function errorHandler(logger: Logger, shapes: ErrorShapes): ErrorRequestHandler {
  const shaped: Partial<Record<OperationId, (error: ErrorResponse) => unknown>> = shapes;
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const httpError = toHttpError(error, req);
    if (httpError.status >= 500) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    const operation = res.locals.operationId;
    const shape = operation === undefined ? undefined : shaped[operation];
    const body = httpError.toBody();
    res.status(httpError.status).set(httpError.headers).json(shape ? shape(body) : body);
  };
}
