import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string } | unknown>>;
  [key: string]: unknown;
};

/** openapi.yaml sits at the package root, whether this runs from src/ or dist/src/. */
export function specPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'openapi.yaml');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('openapi.yaml not found beside the package');
}

export interface LoadedSpec {
  readonly text: string;
  readonly document: OpenApiDocument;
}

let cached: LoadedSpec | undefined;

export function loadSpec(): LoadedSpec {
  if (!cached) {
    const text = readFileSync(specPath(), 'utf8');
    cached = { text, document: parse(text) as OpenApiDocument };
  }
  return cached;
}
