import { readFileSync } from 'node:fs';
import { openApiDocument } from '../../generated/spec.gen.js';
import { specPath } from './spec-path.js';

export { specPath };

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

export function loadSpec(): LoadedSpec {
  cached ??= { text: readFileSync(specPath(), 'utf8'), document: openApiDocument };
  return cached;
}
