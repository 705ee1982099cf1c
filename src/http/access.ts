import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.js';
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

export interface AccessSettings {
  /** The bearer token the operations with `security` need; undefined = none (as the original). */
  readonly accessToken: string | undefined;
  /** The host the service listens on, when set: a host name local callers may use. */
  readonly host: string | undefined;
  /** More host names local callers may use for the event API (comma-separated). */
  readonly allowedHosts: string | undefined;
  /** Origins (scheme://host:port) whose pages may call the operations that change state (comma-separated). */
  readonly trustedOrigins: string | undefined;
}

const list = (text: string | undefined) => new Set((text ?? '').split(',').map((item) => item.trim().toLowerCase()).filter(Boolean));

/** The name in a Host header, without its port: `localhost`, `127.0.0.1`, `::1`. */
function hostName(host: string | undefined): string {
  const name = host?.startsWith('[') ? host.slice(1, host.indexOf(']')) : (host ?? '').replace(/:\d*$/, '');
  return name.toLowerCase();
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * A caller on this machine: over loopback, or from the very address it connected to (an
 * application beside the service when the service listens on one outside address only).
 */
export function isLocalCaller(socket: { remoteAddress?: string; localAddress?: string }): boolean {
  return isLoopback(socket.remoteAddress) || (socket.remoteAddress !== undefined && socket.remoteAddress === socket.localAddress);
}

const isLoopbackName = (name: string) => name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);

/**
 * A browser's request from a page of another site, as Go's http.CrossOriginProtection tells
 * it: by Sec-Fetch-Site where the browser sends it, else by an Origin that is not the host
 * the request was sent to. Requests without those headers (NVCF, curl, applications) are not.
 */
function crossSite(req: IncomingMessage, trusted: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && trusted.has(origin.toLowerCase())) return false;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host?.toLowerCase();
  } catch {
    return true; // "null" and other opaque origins
  }
}

const SAFE_METHODS = new Set(['get', 'head', 'options']);

/**
 * The access rules of one operation, from its method, `security` and `x-local-only` in the
 * spec; mounted before the body parser, so no body is read for a caller that may not call.
 * - An operation that changes state (not GET, HEAD or OPTIONS) refuses a browser's request
 *   from a page of another site (unless its origin is in `trustedOrigins`).
 * - With an access token set, an operation whose `security` names a scheme needs
 *   `Authorization: Bearer <token>`, from any caller.
 * - Without one, everything answers as the original did, except that local-only
 *   operations (the event API, which carries credentials) answer callers on this machine
 *   only, and only for a loopback host name (a DNS-rebound page sends its own name).
 */
export function accessRules(operation: OperationSpec, settings: AccessSettings): RequestHandler[] {
  return [sameSiteRule(operation, settings), callerRule(operation, settings)].filter((rule) => rule !== pass);
}

/** Operations that change state refuse what a browser marks as a request from another site. */
function sameSiteRule(operation: OperationSpec, settings: AccessSettings): RequestHandler {
  if (SAFE_METHODS.has(operation.method)) return pass;
  const trusted = list(settings.trustedOrigins);
  return (req, _res, next) => {
    if (!crossSite(req, trusted)) return next();
    next(new HttpError({ status: 403, code: 'FORBIDDEN', message: 'Cross-origin request refused: a page on another origin may not call this endpoint' }));
  };
}

function callerRule(operation: OperationSpec, { accessToken, host, allowedHosts }: AccessSettings): RequestHandler {
  if (accessToken === undefined || operation.security.length === 0) {
    if (!operation.localOnly) return pass;
    const names = list(allowedHosts);
    if (host !== undefined) names.add(host.replace(/^\[|\]$/g, '').toLowerCase());
    return (req, _res, next) => {
      if (!isLocalCaller(req.socket)) return next(new HttpError({ status: 403, code: 'FORBIDDEN', message: 'The local event API answers loopback callers only' }));
      // A page whose name was rebound to 127.0.0.1 calls from loopback, with its own name as Host.
      const name = hostName(req.headers.host);
      if (isLoopbackName(name) || names.has(name)) return next();
      next(new HttpError({ status: 403, code: 'FORBIDDEN', message: 'The local event API answers requests for a loopback host name only (localhost, 127.0.0.1, [::1]; see the allowedHosts setting)' }));
    };
  }
  const allowed = tokenCheck(accessToken);
  return (req, _res, next) => {
    if (allowed(req)) return next();
    const message = bearerToken(req) !== undefined ? 'The access token is wrong' : 'This endpoint needs an access token: send Authorization: Bearer <token>';
    next(new HttpError({ status: 401, code: 'UNAUTHORIZED', message, headers: { 'WWW-Authenticate': 'Bearer realm="livestream-session"' } }));
  };
}
