import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Operations } from '../../generated/operations.gen.js';
import type { ErrorResponse } from '../../generated/types.gen.js';

/** Every operationId of the spec, from the generated types. */
export type OperationId = keyof Operations;

type Operation<K extends OperationId> = Operations[K];
type Errors<K extends OperationId> = [Operation<K>['errors']] extends [never] ? {} : Operation<K>['errors'];
/** Every answer the spec declares for the operation, keyed by status. */
type Answers<K extends OperationId> = Operation<K>['responses'] & Errors<K>;

export type StatusOf<K extends OperationId> = keyof Answers<K> & number;

/** An answer the spec declares for the operation: a declared status, with that status's body. */
export type Result<K extends OperationId> = {
  [S in StatusOf<K>]: { readonly status: S; readonly body: Answers<K>[S]; readonly headers?: Readonly<Record<string, string>> };
}[StatusOf<K>];

/** Returned by a handler that writes its answer itself, as an endless stream (only for a 200 with a text body). */
export const STREAMED = Symbol('streamed');
type Streamed<K extends OperationId> = Answers<K> extends { 200: string } ? typeof STREAMED : never;

type Data<K extends OperationId> = Operation<K>['data'];

type Part<K extends OperationId, P extends 'body' | 'query' | 'path', Absent> = Data<K> extends { [_ in P]: infer T }
  ? [T] extends [never] ? Absent : T
  : Data<K> extends { [_ in P]?: infer T }
    ? [Exclude<T, undefined>] extends [never] ? Absent : T | undefined
    : Absent;

/** What an operation without query or path parameters gets for them. */
export type NoParameters = Readonly<Record<string, never>>;

export type BodyOf<K extends OperationId> = Part<K, 'body', undefined>;
export type QueryOf<K extends OperationId> = Part<K, 'query', NoParameters>;
export type PathOf<K extends OperationId> = Part<K, 'path', NoParameters>;

/**
 * What a handler is given: the request body, query and path parameters as the spec types
 * them, checked against the spec before the handler runs. (Headers it declares, such as
 * `Last-Event-ID`, are on `exchange.req`.)
 */
export type RequestOf<K extends OperationId> = {
  readonly body: BodyOf<K>;
  readonly query: QueryOf<K>;
  readonly path: PathOf<K>;
};

/** The request of an operation that takes no input. */
export const NO_INPUT: { readonly body: undefined; readonly query: NoParameters; readonly path: NoParameters } = { body: undefined, query: {}, path: {} };
/** The operations that take no input: a plain GET can be answered without the body parser or the validator. */
export type InputlessOperation = { [K in OperationId]: RequestOf<K> extends typeof NO_INPUT ? K : never }[OperationId];

/** The HTTP exchange, for the handlers that need more than the typed request (streams). */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** Any handler's answer, as the writer sees it. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Writes a handler's answer (once it has one), unless the handler streamed its own. */
export function deliver(result: Answer | typeof STREAMED | Promise<Answer | typeof STREAMED>, res: ServerResponse): void | Promise<void> {
  if (result instanceof Promise) return result.then((r) => deliver(r, res));
  if (result !== STREAMED) send(res, result);
}

/**
 * Writes an answer: JSON unless the body is text whose type the handler names. One write
 * with the head (a string body goes out with it; a Buffer would take two).
 */
export function send(res: ServerResponse, { status, body, headers }: Answer): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? undefined : { 'Content-Type': 'application/json; charset=utf-8' };
  res.writeHead(status, { ...type, ...headers, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** A handler translates a request into a call on the session and its result into a declared answer. */
export type Handler<K extends OperationId> = (request: RequestOf<K>, exchange: Exchange) => Result<K> | Streamed<K> | Promise<Result<K> | Streamed<K>>;

/** One handler per operation: a missing handler, or an undeclared answer, is a compile error. */
export type Handlers = { readonly [K in OperationId]: Handler<K> };

/** The statuses the pipeline answers for bad requests (access, body parser, validator). */
type ClientErrorStatus = 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429;
type ClientErrorBody<K extends OperationId> = Errors<K>[keyof Errors<K> & ClientErrorStatus];

/** The operations whose declared 4xx answers are not the shared error shape as it is. */
type ShapedErrorOperation = {
  [K in OperationId]: [ClientErrorBody<K>] extends [never] ? never : ErrorResponse extends ClientErrorBody<K> ? never : K;
}[OperationId];

/**
 * How each such operation shapes an error answer (the pipeline's and its own): a compile
 * error if one is missing.
 */
export type ErrorShapes = { readonly [K in ShapedErrorOperation]: (error: ErrorResponse) => ClientErrorBody<K> };
