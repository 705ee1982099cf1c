import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { specPath } from './spec-path.js';

export { specPath };

export type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string } | unknown>>;
  [key: string]: unknown;
};

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
