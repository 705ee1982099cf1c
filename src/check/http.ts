import type { Clock } from '../core/clock.js';

/** What came back from one request: an HTTP answer, or why none came. */
export interface Answer {
  /** null: no answer (refused, reset, timed out). */
  httpStatus: number | null;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  text: string;
  /** Why no answer came. */
  error?: string;
  ms: number;
}

export interface Target {
  /** `timeoutMs`: a shorter time-out than the target's own, for a request that must end sooner. */
  request(method: 'GET' | 'POST', path: string, body?: unknown, options?: { timeoutMs?: number }): Promise<Answer>;
}

/**
 * The most of an answer's body that is read: the four endpoints answer a few hundred bytes,
 * so a bigger body is a wrong target, and reading on would only fill memory.
 */
export const MAX_ANSWER_BYTES = 1024 ** 2;

/**
 * Requests to the target with plain fetch: the target may be a Kit application, so any
 * body is taken as it comes and reported, never validated against our spec.
 */
export function httpTarget(baseUrl: string, options: { token?: string; timeoutMs: number; clock: Clock }): Target {
  return {
    async request(method, path, body, { timeoutMs: within = Infinity } = {}) {
      const started = options.clock.now();
      const timeoutMs = Math.min(options.timeoutMs, within);
      const headers: Record<string, string> = {};
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      try {
        const response = await fetch(new URL(path, baseUrl), {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await boundedText(response);
        const ms = options.clock.now() - started;
        if (text === undefined) return { httpStatus: null, body: undefined, text: '', error: `an answer (${response.status}) with a body over the ${MAX_ANSWER_BYTES / 1024 ** 2} MiB the check reads`, ms };
        return { httpStatus: response.status, body: parseJson(text), text, ms };
      } catch (error) {
        return { httpStatus: null, body: undefined, text: '', error: noAnswerReason(error, timeoutMs), ms: options.clock.now() - started };
      }
    },
  };
}

/** The body as text, or undefined once it is over MAX_ANSWER_BYTES (the rest is not read). */
async function boundedText(response: Response): Promise<string | undefined> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return new TextDecoder().decode(Buffer.concat(chunks, length));
    length += value.length;
    if (length > MAX_ANSWER_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function noAnswerReason(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `no answer (${cause?.code ?? cause?.message ?? (error as Error).message})`;
}

/** A field of a JSON object body, when it is a string. */
export function stringField(answer: Answer, field: string): string | undefined {
  const value = (answer.body as Record<string, unknown> | undefined)?.[field];
  return typeof answer.body === 'object' && answer.body !== null && typeof value === 'string' ? value : undefined;
}

/** How an answer is shown: status and body (cut short), or why none came. */
export function shown(answer: Answer): string {
  if (answer.httpStatus === null) return answer.error ?? 'no answer';
  const text = answer.text.length > 200 ? `${answer.text.slice(0, 200)}…` : answer.text;
  return `${answer.httpStatus} ${text || '(empty body)'}`;
}

export function refused(answer: Answer): boolean {
  return answer.httpStatus === null && /ECONNREFUSED|ECONNRESET|EPIPE|other side closed/.test(answer.error ?? '');
}
