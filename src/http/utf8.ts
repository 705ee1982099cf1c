import { isUtf8 } from 'node:buffer';
import type { RequestHandler } from 'express';
import { HttpError, validationFailed } from './errors.js';

const INVALID = Symbol('invalid UTF-8');

/**
 * For the JSON body parser's `verify`: notes a body whose bytes are not UTF-8. The parser
 * would read them as U+FFFD and pass them on (a username `us\uFFFD\uFFFDer`); the request is
 * refused instead, naming the fields (rejectInvalidUtf8).
 */
export function noteInvalidUtf8(req: object, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) Object.defineProperty(req, INVALID, { value: true });
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
