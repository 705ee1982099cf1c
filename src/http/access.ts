import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.js';
import { isLocalCaller } from './loopback.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * Whether a request carries the access token (always true when none is set), compared in
 * constant time: digests of equal length, so the token's length leaks neither.
 */
export function accessCheck(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (req) => {
    const sent = bearerToken(req);
    return sent !== undefined && timingSafeEqual(digest(sent), expected);
  };
}

/**
 * Guards the operations that change the session (creds, endsession) and the local event
 * API. With an access token set, each request needs `Authorization: Bearer <token>`.
 * With no token, everything answers as the original did, except that the event API
 * (`localOnly`) answers callers on this machine only.
 */
export function requireAccess(token: string | undefined, { localOnly = false } = {}): RequestHandler {
  if (token === undefined) {
    if (!localOnly) return (_req, _res, next) => next();
    return (req, _res, next) => {
      if (isLocalCaller(req.socket)) return next();
      next(new HttpError(403, 'FORBIDDEN', 'The local event API answers loopback callers only'));
    };
  }
  const allowed = accessCheck(token);
  return (req, _res, next) => {
    if (allowed(req)) return next();
    const message = bearerToken(req) !== undefined ? 'The access token is wrong' : 'This endpoint needs an access token: send Authorization: Bearer <token>';
    next(new HttpError(401, 'UNAUTHORIZED', message, undefined, { 'WWW-Authenticate': 'Bearer realm="livestream-session"' }));
  };
}
