import type { Router, RequestHandler } from 'express';
import type * as sdk from '../../generated/sdk.gen.js';
import type { OpenApiDocument } from './spec.js';

/** Every operationId of the spec, taken from the generated client. */
export type OperationId = {
  [K in keyof typeof sdk]: (typeof sdk)[K] extends (...args: never[]) => unknown ? K : never;
}[keyof typeof sdk];

/** One handler per operation: a missing handler is a compile error. */
export type OperationHandlers = Record<OperationId, RequestHandler>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Mounts each handler at the path and method the spec gives its operationId. */
export function mountOperations(router: Router, spec: OpenApiDocument, handlers: OperationHandlers): void {
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as { operationId?: string } | undefined;
      if (!operation) continue;
      const handler = handlers[operation.operationId as OperationId];
      if (!handler) throw new Error(`No handler for operation ${operation.operationId} (${method.toUpperCase()} ${path})`);
      router[method](path, handler);
    }
  }
}
