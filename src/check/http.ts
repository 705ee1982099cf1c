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
  request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer>;
}

/**
 * Requests to the target with plain fetch: the target may be a Kit application, so any
 * body is taken as it comes and reported, never validated against our spec.
 */
export function httpTarget(baseUrl: string, options: { token?: string; timeoutMs: number; clock: Clock }): Target {
  return {
    async request(method, path, body) {
      const started = options.clock.now();
      const headers: Record<string, string> = {};
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      try {
        const response = await fetch(new URL(path, baseUrl), {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const text = await response.text();
        return { httpStatus: response.status, body: parseJson(text), text, ms: options.clock.now() - started };
      } catch (error) {
        return { httpStatus: null, body: undefined, text: '', error: noAnswerReason(error, options.timeoutMs), ms: options.clock.now() - started };
      }
    },
  };
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
