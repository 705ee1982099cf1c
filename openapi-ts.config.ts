import { defineConfig } from '@hey-api/openapi-ts';
import { operationsPlugin } from './scripts/operations-plugin.js';
import { specPlugin } from './scripts/spec-plugin.js';

// generated/ is committed and never edited by hand: `npm run generate` rewrites it,
// `npm run generate:check` fails when it is stale.
export default defineConfig({
  input: './openapi.yaml',
  output: { path: './generated' },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk', operationsPlugin(), specPlugin()],
});
