import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.js';
import { isLocalCaller } from './loopback.js';
import type { OperationSpec } from './operations.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * Whether a request carries the access token, compared in constant time: digests of equal
 * length, so the token's length leaks neither.
 */
function tokenCheck(token: string): (req: IncomingMessage) => boolean {
  const expected = digest(token);
  return (req) => {
    const sent = bearerToken(req);
    return sent !== undefined && timingSafeEqual(digest(sent), expected);
  };
}

const pass: RequestHandler = (_req, _res, next) => next();

/**
 * The access rule of one operation, from its `security` and `x-local-only` in the spec;
 * mounted before the body parser, so no body is read for a caller that may not call.
 * - With an access token set, an operation whose `security` names a scheme needs
 *   `Authorization: Bearer <token>`, from any caller.
 * - Without one, everything answers as the original did, except that local-only
 *   operations (the event API, which carries credentials) answer callers on this machine only.
 */
export function accessRule(operation: OperationSpec, token: string | undefined): RequestHandler {
  if (token === undefined || operation.security.length === 0) {
    if (!operation.localOnly) return pass;
    return (req, _res, next) => {
      if (isLocalCaller(req.socket)) return next();
      next(new HttpError({ status: 403, code: 'FORBIDDEN', message: 'The local event API answers loopback callers only' }));
    };
  }
  const allowed = tokenCheck(token);
  return (req, _res, next) => {
    if (allowed(req)) return next();
    const message = bearerToken(req) !== undefined ? 'The access token is wrong' : 'This endpoint needs an access token: send Authorization: Bearer <token>';
    next(new HttpError({ status: 401, code: 'UNAUTHORIZED', message, headers: { 'WWW-Authenticate': 'Bearer realm="livestream-session"' } }));
  };
}
