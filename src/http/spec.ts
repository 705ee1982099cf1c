import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openApiDocument } from '../../generated/spec.gen.js';

export type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
};

export interface LoadedSpec {
  /** openapi.yaml as it is, for GET /openapi.yaml. */
  readonly text: string;
  /** Its document, as generated from it (no YAML is parsed at run time); never modified. */
  readonly document: OpenApiDocument;
}

let cached: LoadedSpec | undefined;

/** The spec; a package without its openapi.yaml fails here, at start-up. */
export function loadSpec(): LoadedSpec {
  // The package's own openapi.yaml (it exports it), whether this runs from src/ or dist/src/.
  cached ??= { text: readFileSync(createRequire(import.meta.url).resolve('livestream-session/openapi.yaml'), 'utf8'), document: openApiDocument };
  return cached;
}
