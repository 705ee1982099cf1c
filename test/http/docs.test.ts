import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startService, stopServices } from '../support/service.js';

afterEach(stopServices);

describe('the docs page', () => {
  it('serves Swagger UI at /docs', async () => {
    const running = await startService();
    const page = await fetch(`${running.url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('swagger-ui');
  });

  it('serves the spec beside it, as YAML and as JSON', async () => {
    const running = await startService();
    const yaml = await fetch(`${running.url}/openapi.yaml`);
    const json = await fetch(`${running.url}/openapi.json`);
    const fromYaml = parse(await yaml.text());
    expect(fromYaml.openapi).toBe('3.0.3');
    expect(await json.json()).toEqual(fromYaml);
    expect(Object.keys(fromYaml.paths)).toEqual([
      '/v1/streaming/ready',
      '/v1/streaming/startup',
      '/v1/streaming/creds',
      '/v1/streaming/endsession',
      '/v1/streaming/events',
      '/v1/streaming/status',
      '/metrics',
    ]);
  });
});
