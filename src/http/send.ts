import type { ServerResponse } from 'node:http';

/** Any handler's answer, as the writer sees it. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The text of bodies that cannot change (frozen), made once: the probes answer the same few all the time. */
const serialised = new WeakMap<object, { text: string; length: string }>();

function serialise(body: unknown): { text: string; length: string } {
  const frozen = typeof body === 'object' && body !== null && Object.isFrozen(body);
  const known = frozen ? serialised.get(body) : undefined;
  if (known) return known;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const made = { text, length: String(Buffer.byteLength(text)) };
  if (frozen) serialised.set(body, made);
  return made;
}

/** The answers written by an operation's handler, as opposed to the pipeline's error answers. */
export const HANDLER_ANSWERS = new WeakSet<ServerResponse>();

/**
 * Writes an answer: JSON unless the body is text whose type the handler names. One write
 * with the head (a string body goes out with it; a Buffer would take two).
 */
export function send(res: ServerResponse, { status, body, headers }: Answer): void {
  const { text, length } = serialise(body);
  res.writeHead(status, {
    ...(typeof body === 'string' ? undefined : { 'Content-Type': JSON_TYPE }),
    ...headers,
    'Content-Length': length,
  });
  res.end(text);
}
