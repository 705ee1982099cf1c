import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.js';
import { isLoopback } from './loopback.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Guards the operations that change the session (creds, endsession) and the local event
 * API. With an access token set, each request needs `Authorization: Bearer <token>`,
 * compared in constant time (digests of equal length, so the token's length leaks neither).
 * With no token, everything answers as the original did, except that the event API
 * (`localOnly`) answers loopback callers only.
 */
export function requireAccess(token: string | undefined, { localOnly = false } = {}): RequestHandler {
  if (token === undefined) {
    if (!localOnly) return (_req, _res, next) => next();
    return (req, _res, next) => {
      if (isLoopback(req.socket.remoteAddress)) return next();
      next(new HttpError(403, 'FORBIDDEN', 'The local event API answers loopback callers only'));
    };
  }
  const expected = digest(token);
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1]!), expected)) return next();
    const message = match ? 'The access token is wrong' : 'This endpoint needs an access token: send Authorization: Bearer <token>';
    next(new HttpError(401, 'UNAUTHORIZED', message, undefined, { 'WWW-Authenticate': 'Bearer realm="livestream-session"' }));
  };
}
