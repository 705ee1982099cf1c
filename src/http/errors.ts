import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorCode, ErrorResponse, FieldError } from '../../generated/types.gen.js';
import type { SessionLogger } from '../core/session.js';
import { CREDS_PATH } from './paths.js';

/** An error with its HTTP answer; every error answer has the shape of `ErrorResponse`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toBody(): ErrorResponse {
    return { status: this.status, code: this.code, message: this.message, ...(this.errors?.length ? { errors: this.errors } : {}) };
  }
}

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_STREAMS',
};

interface ForeignError {
  status?: number;
  type?: string;
  limit?: number;
  message?: string;
  /** http-errors: whether the message is meant for the caller. */
  expose?: boolean;
  /** Node's code, e.g. `Z_DATA_ERROR` from a body that does not inflate. */
  code?: string;
  errors?: Array<{ path?: string; message?: string }>;
  headers?: Record<string, string>;
}

/** The one place that maps errors (body parser, validator, ours) to HTTP answers. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as ForeignError;
  switch (e.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'MALFORMED_JSON', `Request body is not valid JSON${whereParsingFailed(e.message)}`);
    case 'entity.too.large':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${e.limit} bytes`);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported body encoding');
    case 'request.aborted':
    case 'request.size.invalid':
      return new HttpError(400, 'VALIDATION_FAILED', e.message ?? 'Request body was not received whole');
  }
  const code = e.status === undefined ? undefined : CODE_OF_STATUS[e.status];
  if (code && Array.isArray(e.errors)) return fromValidator(e.status!, code, e);
  // The body parser's other client errors, e.g. a body that does not decode per its Content-Encoding.
  if (code && e.expose) {
    const message = e.code?.startsWith('Z_') ? `Request body does not decode per its Content-Encoding: ${e.message}` : (e.message ?? 'Bad request');
    return new HttpError(e.status!, code, message);
  }
  return new HttpError(500, 'INTERNAL_ERROR', 'Internal server error');
}

/**
 * Where JSON.parse stopped, without the excerpt of the body its message quotes: the body
 * may hold a password, and error answers never echo secrets.
 */
function whereParsingFailed(message: string | undefined): string {
  const position = /position (\d+)/.exec(message ?? '')?.[1];
  if (position !== undefined) return ` (at position ${position})`;
  return /end of (JSON|data) input/i.test(message ?? '') ? ' (it ends too early)' : '';
}

/** A 400 naming each field that is wrong, whoever found it (the validator, or the handler's own checks). */
export function validationFailed(errors: FieldError[]): HttpError {
  return new HttpError(400, 'VALIDATION_FAILED', errors.map(describeFieldError).join('; '), errors);
}

function fromValidator(status: number, code: ErrorCode, e: ForeignError): HttpError {
  const errors: FieldError[] = (e.errors ?? []).map((fe) => ({ path: fe.path ?? '', message: fe.message ?? '' }));
  let message = e.message ?? 'Bad request';
  if (status === 400) message = errors.map(describeFieldError).join('; ') || message;
  if (status === 415) message = `Unsupported media type ${contentTypeOf(message)}; use application/json`;
  if (status === 404) message = 'No such endpoint; see /docs';
  if (status === 405) message = `${message.split(' ')[0]} is not allowed here; use ${e.headers?.allow ?? e.headers?.Allow ?? 'another method'}`;
  return new HttpError(status, code, message, status === 400 ? errors : undefined, e.headers);
}

/** "/body/turnDetails/uris/0 must be string" → "turnDetails.uris.0 must be string" */
function describeFieldError(fe: FieldError): string {
  const where = fe.path.replace(/^\/(body|query|headers)\/?/, '').replace(/\//g, '.');
  const what = /must have required property/.test(fe.message) ? 'is required' : fe.message.replace(/^'[^']*' /, '');
  return where ? `${where} ${what}` : `request ${fe.path.replace(/^\//, '')} ${what}`.trim();
}

function contentTypeOf(message: string): string {
  const type = /unsupported media type\s*(.*)$/i.exec(message)?.[1]?.trim();
  return !type || type === 'undefined' ? '(no Content-Type)' : type;
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new HttpError(404, 'NOT_FOUND', 'No such endpoint; see /docs'));
};

export function errorHandler(logger: SessionLogger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const httpError = toHttpError(error);
    if (httpError.status >= 500) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    const body = httpError.toBody();
    // A rejected credentials body still answers like the credentials endpoint does.
    const isCreds = req.method === 'POST' && req.path === CREDS_PATH;
    const payload = isCreds ? { success: false, errorMessage: body.message, ...body } : body;
    res.status(httpError.status).set(httpError.headers ?? {}).json(payload);
  };
}
