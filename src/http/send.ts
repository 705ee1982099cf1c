import type { ServerResponse } from 'node:http';

/** Any handler's answer, as the writer sees it. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The answers written by an operation's handler, as opposed to the pipeline's error answers. */
export const HANDLER_ANSWERS = new WeakSet<ServerResponse>();

const JSON_TYPE = 'application/json; charset=utf-8';

interface Prepared {
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/** The head and text of answers that cannot change (frozen), made once: the probes answer the same few all the time. */
const prepared = new WeakMap<Answer, Prepared>();

function prepare({ body, headers }: Answer): Prepared {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    headers: { ...(typeof body === 'string' ? undefined : { 'Content-Type': JSON_TYPE }), ...headers, 'Content-Length': String(Buffer.byteLength(text)) },
    text,
  };
}

/**
 * Writes an answer: JSON unless the body is text whose type the handler names. One write
 * with the head (a string body goes out with it; a Buffer would take two).
 */
export function send(res: ServerResponse, answer: Answer): void {
  let ready = prepared.get(answer);
  if (!ready) {
    ready = prepare(answer);
    if (Object.isFrozen(answer)) prepared.set(answer, ready);
  }
  res.writeHead(answer.status, ready.headers);
  res.end(ready.text);
}
