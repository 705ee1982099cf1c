// Requests a hostile caller sends, answered with a clear 4xx and no change.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_CREDENTIALS, startService, stopServices, type RunningService } from '../support/service.js';

afterEach(stopServices);

function send(running: RunningService, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const { port } = new URL(running.url);
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile requests', () => {
  it('refuses credentials whose strings are not UTF-8, naming the field, and keeps the previous ones', async () => {
    const running = await startService();
    const json = JSON.stringify({ ...SEED_CREDENTIALS, username: 'us@@er' });
    const at = Buffer.from(json).indexOf('@@');
    const body = Buffer.from(json);
    body[at] = 0xff;
    body[at + 1] = 0xc3;
    const answer = await send(running, 'POST', '/v1/streaming/creds', body, { 'content-type': 'application/json' });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      success: false,
      code: 'VALIDATION_FAILED',
      message: 'username is not valid UTF-8',
      errors: [{ path: '/body/username', message: 'is not valid UTF-8' }],
    });
    expect(running.service.session.credentials).toBeUndefined();
  });

  it('accepts a username with U+FFFD written as proper UTF-8', async () => {
    const running = await startService();
    const answer = await send(running, 'POST', '/v1/streaming/creds', Buffer.from(JSON.stringify({ ...SEED_CREDENTIALS, username: 'us\uFFFDer' })), { 'content-type': 'application/json' });
    expect(answer.status).toBe(200);
  });

  it.each(['PUT', 'DELETE', 'POST', 'PATCH', 'TRACE'])('answers %s on the docs page and the spec with 405', async (method) => {
    const running = await startService();
    for (const path of ['/docs', '/docs/', '/docs/swagger-ui.css', '/openapi.json', '/openapi.yaml']) {
      const answer = await send(running, method, path);
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
      expect(JSON.parse(answer.body)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here; use GET, HEAD` });
    }
  });
});
