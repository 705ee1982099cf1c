import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { HttpError, validationFailed } from './errors.js';

/**
 * Most levels of arrays and objects a request body may nest, its own object counted: the
 * spec's deepest is 3 (credentials → turnDetails → uris). A value nested thousands deep
 * would overflow the stack of whatever walks it later (JSON.stringify on the event stream),
 * so it is refused as soon as it is parsed.
 */
export const MAX_BODY_DEPTH = 64;

/** The one charset a JSON body may declare (RFC 8259: JSON between systems is UTF-8). */
const CHARSET = 'utf-8';

const EMPTY = Symbol('no body bytes');
const INVALID = Symbol('invalid UTF-8');

/** A body the parser refuses, with the fields of the parser's own errors (see errors.ts). */
class CharsetError extends Error {
  readonly type = 'charset.unsupported';

  constructor(readonly charset: string) {
    super(`Unsupported charset ${charset}`);
  }
}

/**
 * The JSON body parser's `verify`, given the body's bytes before they are decoded: refuses a
 * charset other than UTF-8 (the parser would decode UTF-16 too); notes a body of no bytes
 * (the parser makes `{}` of it), and one whose bytes are not UTF-8 (the parser would read
 * them as U+FFFD and pass them on: a username `us\uFFFD\uFFFDer`; rejectInvalidUtf8 refuses it).
 */
export function verifyBody(req: IncomingMessage, _res: unknown, body: Buffer, charset: string | null): void {
  if (charset !== null && charset.toLowerCase() !== CHARSET) throw new CharsetError(charset);
  if (body.length === 0) Object.defineProperty(req, EMPTY, { value: true });
  if (!isUtf8(body)) Object.defineProperty(req, INVALID, { value: true });
}

/** After the body parser: a body nested deeper than MAX_BODY_DEPTH answers 400 naming where. */
export const refuseDeepBody: RequestHandler = (req, _res, next) => {
  const path = tooDeep(req.body, MAX_BODY_DEPTH);
  next(path === undefined ? undefined : validationFailed([{ path: ['/body', ...path].join('/'), message: `is nested deeper than ${MAX_BODY_DEPTH} levels` }]));
};

/**
 * For an operation whose body the spec requires: no body at all, a body of no bytes (`{}` to
 * the parser) and `null` answer 400 naming the body, as the original refuses them.
 */
export const requireBody: RequestHandler = (req, _res, next) => {
  const missing = EMPTY in req || req.body === null || (req.body === undefined && bodiless(req));
  next(missing ? validationFailed([{ path: '/body', message: 'is required', missing: true }]) : undefined);
};

/** A request whose framing announces no body bytes. */
function bodiless(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) === 0);
}

interface Level {
  readonly value: unknown;
  readonly key: string;
  readonly depth: number;
  readonly parent: Level | undefined;
}

/**
 * The keys down to the first array or object deeper than `limit`, or undefined. Walks with a
 * list of its own, not the call stack, so that any depth the parser made is walked.
 */
function tooDeep(body: unknown, limit: number): string[] | undefined {
  const pending: Level[] = [{ value: body, key: '', depth: 1, parent: undefined }];
  for (let level = pending.pop(); level !== undefined; level = pending.pop()) {
    const { value, depth } = level;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limit) return keysOf(level);
    for (const [key, inner] of Object.entries(value)) if (typeof inner === 'object' && inner !== null) pending.push({ value: inner, key, depth: depth + 1, parent: level });
  }
  return undefined;
}

function keysOf(level: Level): string[] {
  const keys: string[] = [];
  for (let at: Level | undefined = level; at?.parent !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse();
}

/** After the body parser: a body that was not UTF-8 answers 400 naming each string it spoiled. */
export const rejectInvalidUtf8: RequestHandler = (req, _res, next) => {
  if (!(INVALID in req)) return next();
  const spoiled: string[] = [];
  walk(req.body, '/body', spoiled);
  if (spoiled.length === 0) return next(new HttpError({ status: 400, code: 'VALIDATION_FAILED', message: 'Request body is not valid UTF-8' }));
  next(validationFailed(spoiled.map((path) => ({ path, message: 'is not valid UTF-8' }))));
};

function walk(value: unknown, path: string, spoiled: string[]): void {
  if (typeof value === 'string') {
    if (value.includes('\uFFFD')) spoiled.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}/${i}`, spoiled));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) walk(item, `${path}/${key}`, spoiled);
  }
}
