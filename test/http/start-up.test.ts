// The whole request path is built when the service is created, before it listens, from the
// packages as they are published (nothing in them replaced). Each case runs in a new Node
// process (a module cache of its own), against the compiled package.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/src/', import.meta.url).href;

/** Runs `body` (an ES module's code) in a new Node process; returns what it printed as JSON. */
async function inNewProcess<T>(body: string): Promise<T> {
  const script = `import { createRequire } from 'node:module';\nconst require = createRequire(${JSON.stringify(DIST)});\n${body}`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as T;
}

describe('a new service', () => {
  it('has Express, the request validator and prom-client loaded before it listens', async () => {
    // As the command line starts it: from service.js, not the library's index (which exports more).
    const loaded = await inNewProcess<Record<string, boolean>>(`
      const { createSessionService } = await import('${DIST}service.js');
      createSessionService({ logger: { info() {}, warn() {}, error() {} }, onExit() {} });
      const has = (name) => Object.keys(require.cache).some((file) => file.includes('/node_modules/' + name + '/'));
      console.log(JSON.stringify({ express: has('express'), validator: has('express-openapi-validator'), prometheus: has('prom-client') }));
      process.exit(0);`);
    expect(loaded).toEqual({ express: true, validator: true, prometheus: true });
  });

  it('validates requests with express-openapi-validator as published: its classes are its own', async () => {
    const answer = await inNewProcess<{ status: number; validates: boolean }>(`
      const { createSessionService } = await import('${DIST}index.js');
      const service = createSessionService({ logger: { info() {}, warn() {}, error() {} }, onExit() {} });
      const { url } = await service.listen({ host: '127.0.0.1', port: 0 });
      // A query string takes the probe through Express and the validator.
      const { status } = await fetch(url + '/v1/streaming/startup?through=validator');
      const { OpenAPISchemaValidator } = require('express-openapi-validator/dist/framework/openapi.schema.validator');
      console.log(JSON.stringify({ status, validates: typeof OpenAPISchemaValidator.prototype?.validate === 'function' }));
      await service.close();
      process.exit(0);`);
    expect(answer).toEqual({ status: 200, validates: true });
  });
});
