import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { OpenApiDocument } from './spec.js';

/**
 * The request validator for the spec's operations. It is given the part of the spec that
 * requests are checked against (see `requestView`), and it builds no validator for the spec
 * itself (see `skipSpecSchemaCompile`): on a 2-core machine it is then ready in about 60 ms,
 * not 400 ms, and holds 15 MB less.
 */
export function requestValidator(document: OpenApiDocument): RequestHandler[] {
  skipSpecSchemaCompile();
  return OpenApiValidator.middleware({ ...VALIDATOR_OPTIONS, apiSpec: requestView(document) as never }) as RequestHandler[];
}

/** How requests are checked: against the spec, unknown query parameters allowed. */
export const VALIDATOR_OPTIONS = {
  validateRequests: { allowUnknownQueryParameters: true },
  // The access rule checks the token (in constant time); the spec only declares it.
  validateSecurity: false,
  validateResponses: false,
  ignoreUndocumented: false,
  // The spec is linted in CI (Redocly, strict) and checked by the contract tests; checking it
  // again against the OpenAPI meta-schema at every start-up only costs start-up time.
  validateApiSpec: false,
} as const satisfies Omit<Parameters<typeof OpenApiValidator.middleware>[0], 'apiSpec'>;

/** Keys that take no part in checking a request: documentation, and the answers (not validated). */
const NOT_CHECKED = new Set(['description', 'summary', 'example', 'examples', 'externalDocs', 'responses']);

/**
 * What the validator needs of the spec to check requests, in new objects: the spec without its
 * documentation and its answers, with the schemas requests use written where they are used.
 * The validator compiles every schema a `$ref` names just to read it, and walks all it is
 * given, while the probes wait; written in place, a schema is compiled once, for its route,
 * at the route's first request. A schema that contains itself stays a `$ref`, and the
 * components still named (by a `$ref` or a discriminator's mapping) stay.
 */
export function requestView(document: OpenApiDocument): OpenApiDocument {
  const schemas = document.components?.schemas;
  if (!schemas) return viewOf(document, {}, []) as OpenApiDocument;
  const view = viewOf({ ...document, components: { ...document.components, schemas: {} } }, schemas, []) as OpenApiDocument;
  const kept = new Map<string, unknown>();
  const keepNamed = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(keepNamed);
    if (!isObject(value)) return;
    for (const [key, inner] of Object.entries(value)) {
      const name = key === '$ref' ? schemaName(inner) : undefined;
      if (name === undefined) keepNamed(key === 'mapping' && isObject(inner) ? Object.values(inner).map(($ref) => ({ $ref })) : inner);
      else if (name in schemas && !kept.has(name)) {
        const schema = viewOf(schemas[name], schemas, [name]);
        kept.set(name, schema);
        keepNamed(schema);
      }
    }
  };
  keepNamed(view);
  view.components!.schemas = Object.fromEntries(Object.keys(schemas).filter((name) => kept.has(name)).map((name) => [name, kept.get(name)]));
  return view;
}

const schemaName = (ref: unknown) => (typeof ref === 'string' ? /^#\/components\/schemas\/([^/]+)$/.exec(ref)?.[1] : undefined);

/** Keys whose values are data of the API (kept as they are), not parts of the spec. */
const isData = (key: string) => key === 'default' || key === 'enum' || key === 'const' || key.startsWith('x-');

/**
 * `value` without the keys that are not checked, and with each `$ref` to a component schema
 * not `within` replaced by that schema (OpenAPI 3.0 ignores a `$ref`'s siblings). Property
 * names are the API's own: a property may be called `description` or `example`.
 */
function viewOf(value: unknown, schemas: Record<string, unknown>, within: readonly string[], names = false): unknown {
  if (Array.isArray(value)) return value.map((item) => viewOf(item, schemas, within));
  if (!isObject(value)) return value;
  const name = names ? undefined : schemaName(value.$ref);
  if (name !== undefined && name in schemas && !within.includes(name)) return viewOf(schemas[name], schemas, [...within, name]);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => names || !NOT_CHECKED.has(key))
      .map(([key, inner]) => [key, !names && isData(key) ? structuredClone(inner) : viewOf(inner, schemas, within, !names && key === 'properties')]),
  );
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

let skipped: boolean | undefined;

/**
 * express-openapi-validator 5.6 compiles the OpenAPI meta-schema into a validator at every
 * start, even with `validateApiSpec: false`, and then does not call it (upstream
 * src/framework/openapi.schema.validator.ts; 160 ms and 12 MB on a 2-core machine). Its
 * framework looks that class up at each use, so a constructor that builds it only when
 * `validateApiSpec` asks for it takes its place (for every user of the module in the
 * process: an application that embeds the service and validates its own spec still gets
 * it). Returns whether it did: a version that moved the class loses the saving, not
 * correctness, and a test says so.
 */
export function skipSpecSchemaCompile(): boolean {
  if (skipped !== undefined) return skipped;
  try {
    const module = createRequire(import.meta.url)('express-openapi-validator/dist/framework/openapi.schema.validator') as Record<string, unknown>;
    const Built = module.OpenAPISchemaValidator as (new (opts: { validateApiSpec?: boolean }) => object) | undefined;
    skipped = typeof Built === 'function';
    if (skipped) {
      module.OpenAPISchemaValidator = function OpenAPISchemaValidator(opts: { validateApiSpec?: boolean }) {
        return opts?.validateApiSpec ? new Built!(opts) : { validate: () => ({ errors: [] }) };
      };
    }
  } catch {
    skipped = false;
  }
  return skipped;
}
