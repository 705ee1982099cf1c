import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { OpenApiDocument } from './spec.js';

/**
 * The request validator for the spec's operations: express-openapi-validator given the spec.
 * (It compiles the OpenAPI meta-schema at start-up even with `validateApiSpec: false`, and no
 * documented option avoids that: the cost is accepted.)
 */
export function requestValidator(document: OpenApiDocument): RequestHandler[] {
  return OpenApiValidator.middleware({
    // A copy: the validator resolves the spec in place, and /openapi.json serves it as it is.
    apiSpec: structuredClone(document) as never,
    validateRequests: { allowUnknownQueryParameters: true },
    // The access rule checks the token (in constant time); the spec only declares it.
    validateSecurity: false,
    validateResponses: false,
    ignoreUndocumented: false,
    // The spec is linted in CI (Redocly, strict) and checked by the contract tests.
    validateApiSpec: false,
  }) as RequestHandler[];
}
