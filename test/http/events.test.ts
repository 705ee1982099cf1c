import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { sendEvent } from '../../generated/sdk.gen.js';
import { isLoopback } from '../../src/http/loopback.js';
import { assertMatchesSpec } from '../support/contract.js';
import {
  APP_READY,
  CLIENT_CONNECTED,
  CLIENT_DISCONNECTED,
  NEW_FRAME,
  SESSION_READY,
  startService,
  stopServices,
} from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(stopServices);

describe('POST /v1/streaming/events', () => {
  it.each([APP_READY, NEW_FRAME, SESSION_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED] as const)(
    'accepts %s with 202 and raises it on the bus with its payload',
    async (event) => {
      const running = await startService();
      const seen: unknown[] = [];
      running.service.bus.on(event, (payload) => seen.push(payload));
      const { response, data } = await sendEvent({ client: running.client, body: { event, payload: { clientId: 'c1' } } });
      expect(response.status).toBe(202);
      expect(data).toEqual({ accepted: true });
      expect(seen).toEqual([{ clientId: 'c1' }]);
    },
  );
});

describe('GET /v1/streaming/events', () => {
  it('starts with the current readiness, then sends every readiness change', async () => {
    const running = await startService();
    const stream = await EventStreamReader.open(running.client);
    expect(stream.received[0]).toEqual({
      event: 'readiness',
      data: { httpStatus: 503, statusMessage: 'Status: App not ready', reason: 'APP_NOT_READY' },
    });
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    await stream.next('readiness', (r) => r.reason === 'SESSION_ACTIVE');
    expect(stream.received.map((e) => (e.data as { reason: string }).reason)).toEqual([
      'APP_NOT_READY',
      'RTX_NOT_READY',
      'READY_FOR_CONNECTION',
      'SESSION_ACTIVE',
    ]);
  });

  it('serves several listeners at once', async () => {
    const running = await startService();
    const first = await EventStreamReader.open(running.client);
    const second = await EventStreamReader.open(running.client);
    await running.send(APP_READY);
    await first.next('readiness', (r) => r.reason === 'RTX_NOT_READY');
    await second.next('readiness', (r) => r.reason === 'RTX_NOT_READY');
    first.close();
    await first.done;
    await running.send(NEW_FRAME);
    await second.next('readiness', (r) => r.reason === 'READY_FOR_CONNECTION');
  });
});

describe('the local event API answers loopback callers only', () => {
  it.each(['127.0.0.1', '127.5.6.7', '::1', '::ffff:127.0.0.1'])('treats %s as loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '', undefined])('refuses %s', (address) => {
    expect(isLoopback(address)).toBe(false);
  });

  it.each([
    ['GET', undefined],
    ['POST', JSON.stringify({ event: APP_READY })],
  ])('answers %s from a caller with no loopback address with 403 in the shared error shape', async (method, body) => {
    // A Unix socket caller has no IP address at all: the one non-loopback caller a test may make here.
    const running = await startService();
    const socketPath = join(mkdtempSync(join(tmpdir(), 'livestream-')), 'http.sock');
    const server = createServer(running.service.handler);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const answer = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
        const req = request({ socketPath, path: '/v1/streaming/events', method, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] ?? '', text }));
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.status).toBe(403);
      assertMatchesSpec(method!, '/v1/streaming/events', answer.status, answer.type, answer.text);
      expect(JSON.parse(answer.text)).toEqual({
        status: 403,
        code: 'FORBIDDEN',
        message: 'The local event API answers loopback callers only',
      });
      expect(running.service.state.appReady).toBe(false);
    } finally {
      server.close();
    }
  });
});
