import type { RequestHandler } from 'express';
import { HttpError } from './errors.js';

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The local event API carries credentials: only the application beside us may use it. */
export const loopbackOnly: RequestHandler = (req, _res, next) => {
  if (isLoopback(req.socket.remoteAddress)) return next();
  next(new HttpError(403, 'FORBIDDEN', 'The local event API answers loopback callers only'));
};
