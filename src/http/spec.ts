import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  cached ??= { text: readFileSync(specPath(), 'utf8'), document: openApiDocument };
  return cached;
}

/** openapi.yaml sits at the package root, whether this runs from src/ or dist/src/. */
function specPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'openapi.yaml');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('openapi.yaml not found beside the package');
}
