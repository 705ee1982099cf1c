/**
 * Most levels of arrays and objects a request body may nest, the body's own object counted.
 * The largest body the spec describes nests 3 (credentials → turnDetails → uris); unknown
 * fields get room to spare. Deeper bodies are refused before they are parsed: a value nested
 * thousands deep overflows the stack of whatever walks it later (JSON.stringify writing it to
 * the event stream, comparing credentials), long after it was accepted.
 */
export const MAX_BODY_DEPTH = 64;

/** The one charset a JSON body may declare (RFC 8259: JSON between systems is UTF-8). */
const CHARSET = 'utf-8';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** A failure of the body, with the fields the body parser's own errors carry (see errors.ts). */
class BodyError extends Error {
  constructor(
    readonly type: 'charset.unsupported' | 'entity.too.deep',
    message: string,
    details: { charset?: string; limit?: number },
  ) {
    super(message);
    Object.assign(this, details);
  }
}

/**
 * For the JSON body parser's `verify`, which is given the body's bytes before they are
 * decoded and parsed: refuses a charset other than UTF-8, and a body nested deeper than
 * MAX_BODY_DEPTH. The nesting is counted on the bytes, outside strings, in one pass: UTF-8
 * never uses the bytes of `[ ] { } " \` inside a multi-byte character.
 */
export function checkBody(body: Buffer, charset: string | null): void {
  if (charset !== null && charset.toLowerCase() !== CHARSET) throw new BodyError('charset.unsupported', `Unsupported charset ${charset}`, { charset });
  if (depthExceeds(body, MAX_BODY_DEPTH)) throw new BodyError('entity.too.deep', `Request body is nested deeper than ${MAX_BODY_DEPTH} levels`, { limit: MAX_BODY_DEPTH });
}

function depthExceeds(body: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return false;
}
