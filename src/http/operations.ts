import { operations } from '../../generated/operations.gen.js';
import type { OperationId } from './handlers.js';

export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'options' | 'head';

/** What the pipeline needs of one operation, as the spec declares it. */
export interface OperationSpec {
  readonly method: Method;
  readonly path: string;
  /** The security schemes its `security` names: any means the access token, when one is set. */
  readonly security: readonly string[];
  /** Its header parameters, by their names in the spec. */
  readonly headers: readonly string[];
  /** Its request body is `required`: a request without one (or with `null`) is refused. */
  readonly bodyRequired: boolean;
  /** It declares a body, a query or a path parameter: the validator must see the request. */
  readonly hasInput: boolean;
  /** `x-local-only`: callers on this machine only, unless they carry the access token. */
  readonly localOnly: boolean;
}

/** Every operation of the spec, generated from it; the type keeps it in step with the handlers. */
export const OPERATIONS: { readonly [K in OperationId]: OperationSpec } = operations;

export const OPERATION_IDS = Object.keys(OPERATIONS) as OperationId[];

/** The operations at each path, by method: what routing, 404 and 405 go by. */
export const OPERATIONS_BY_PATH: ReadonlyMap<string, ReadonlyMap<Method, OperationId>> = (() => {
  const byPath = new Map<string, Map<Method, OperationId>>();
  for (const id of OPERATION_IDS) {
    const { path, method } = OPERATIONS[id];
    if (!byPath.has(path)) byPath.set(path, new Map());
    byPath.get(path)!.set(method, id);
  }
  return byPath;
})();
