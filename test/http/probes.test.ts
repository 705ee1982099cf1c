import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReadinessReason } from '../../src/core/readiness.js';
import { Probes } from '../../src/http/probes.js';
import type { Settings } from '../../src/settings/table.js';
import { assertMatchesSpec } from '../support/contract.js';
import { closeServers, serve } from '../support/serve.js';
import {
  APP_READY,
  CLIENT_CONNECTED,
  CLIENT_DISCONNECTED,
  NEW_FRAME,
  SEED_CREDENTIALS,
  startService,
  stopServices,
  type RunningService,
} from '../support/service.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await closeServers();
  await stopServices();
});


interface Answer {
  status: number;
  statusMessage: string;
  /** Every header as sent, in order, but Date. */
  headers: string[];
  body: string;
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        const raw: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() !== 'date') raw.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode!, statusMessage: res.statusMessage!, headers: raw, body: text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The service's own listener (probes first) and its Express app alone, side by side, for
 * the same session: whatever reaches the app is answered as it always was.
 */
async function sideBySide(running: RunningService) {
  const fastPort = await serve(running.service.handler);
  const expressPort = await serve(await running.service.app());
  const handled = vi.spyOn(Probes.prototype, 'handle');
  return {
    handled,
    fast: (method: string, path: string, headers?: Record<string, string>, body?: string) => send(fastPort, method, path, headers, body),
    express: (method: string, path: string, headers?: Record<string, string>, body?: string) => send(expressPort, method, path, headers, body),
  };
}

const ROWS: Array<{ reason: ReadinessReason; settings?: Partial<Settings>; reach: (r: RunningService) => void }> = [
  { reason: 'APP_NOT_READY', reach: () => {} },
  { reason: 'RTX_NOT_READY', reach: (r) => r.service.bus.emit(APP_READY) },
  {
    reason: 'SESSION_READY_EVENT_NOT_RECEIVED',
    settings: { waitForSessionReadyEvent: true },
    reach: (r) => (r.service.bus.emit(APP_READY), r.service.bus.emit(NEW_FRAME)),
  },
  {
    reason: 'WAITING_FOR_PREVIOUS_CLIENT',
    settings: { quitOnSessionEnded: false },
    reach: (r) => {
      for (const event of [APP_READY, NEW_FRAME, CLIENT_CONNECTED] as const) r.service.bus.emit(event);
      r.service.session.endSession({ gracefulShutdown: true });
    },
  },
  {
    reason: 'SESSION_ENDED',
    settings: { quitOnSessionEnded: true },
    reach: (r) => {
      for (const event of [APP_READY, NEW_FRAME] as const) r.service.bus.emit(event);
      r.service.session.endSession({ gracefulShutdown: true });
    },
  },
  {
    reason: 'AWAITING_RESUME',
    reach: (r) => {
      for (const event of [APP_READY, NEW_FRAME, CLIENT_CONNECTED, CLIENT_DISCONNECTED] as const) r.service.bus.emit(event);
      r.service.session.endSession({ gracefulShutdown: false });
      r.clock.advanceSeconds(12);
    },
  },
  { reason: 'SESSION_ACTIVE', reach: (r) => ([APP_READY, NEW_FRAME, CLIENT_CONNECTED] as const).forEach((e) => r.service.bus.emit(e)) },
  { reason: 'READY_FOR_CONNECTION', reach: (r) => ([APP_READY, NEW_FRAME] as const).forEach((e) => r.service.bus.emit(e)) },
];

describe('the probe fast path', () => {
  it.each(ROWS)('answers GET /v1/streaming/ready with the bytes Express answers: $reason', async ({ reason, settings, reach }) => {
    const running = await startService({ resumeTimeoutSeconds: 30, ...settings });
    reach(running);
    expect(running.service.readiness().reason).toBe(reason);
    const { fast, express, handled } = await sideBySide(running);

    const answer = await fast('GET', '/v1/streaming/ready');
    expect(handled).toHaveLastReturnedWith(true);
    expect(answer).toEqual(await express('GET', '/v1/streaming/ready'));

    const { httpStatus, ...body } = running.service.readiness();
    expect(answer.status).toBe(httpStatus);
    expect(JSON.parse(answer.body)).toEqual(body);
    expect(answer.headers).toEqual([
      'Cache-Control: no-store',
      ...(httpStatus === 503 ? ['Retry-After: 1'] : []),
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(answer.body)}`,
      'Connection: close',
    ]);
    assertMatchesSpec('GET', '/v1/streaming/ready', answer.status, 'application/json', answer.body);
  });

  it('shows the seconds left of the resume window as time passes', async () => {
    const running = await startService({ resumeTimeoutSeconds: 30 });
    ROWS.find((r) => r.reason === 'AWAITING_RESUME')!.reach(running);
    const { fast, express } = await sideBySide(running);
    for (const expected of [18, 8, 1]) {
      const answer = await fast('GET', '/v1/streaming/ready');
      expect(JSON.parse(answer.body)).toMatchObject({ reason: 'AWAITING_RESUME', resumeSecondsLeft: expected });
      expect(answer).toEqual(await express('GET', '/v1/streaming/ready'));
      running.clock.advanceSeconds(expected === 18 ? 10 : 7.5);
    }
  });

  it('follows readiness as it changes', async () => {
    const running = await startService();
    const { fast } = await sideBySide(running);
    const reasons: string[] = [];
    for (const event of [APP_READY, NEW_FRAME, CLIENT_CONNECTED, CLIENT_DISCONNECTED] as const) {
      running.service.bus.emit(event);
      reasons.push(JSON.parse((await fast('GET', '/v1/streaming/ready')).body).reason);
    }
    expect(reasons).toEqual(['RTX_NOT_READY', 'READY_FOR_CONNECTION', 'SESSION_ACTIVE', 'READY_FOR_CONNECTION']);
  });

  it('answers GET /v1/streaming/startup with the bytes Express answers', async () => {
    const running = await startService();
    const { fast, express, handled } = await sideBySide(running);
    const answer = await fast('GET', '/v1/streaming/startup');
    expect(handled).toHaveLastReturnedWith(true);
    expect(answer).toEqual(await express('GET', '/v1/streaming/startup'));
    expect(answer).toMatchObject({ status: 200, body: '{"statusMessage":"Status: Startup endpoint OK"}' });
    expect(answer.headers).toContain('Cache-Control: no-store');
  });

  it.each(['HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('leaves %s on the probes to Express: 405 in the shared error shape', async (method) => {
    const running = await startService();
    const { fast, express, handled } = await sideBySide(running);
    for (const path of ['/v1/streaming/ready', '/v1/streaming/startup']) {
      const answer = await fast(method, path);
      expect(handled).toHaveLastReturnedWith(false);
      expect(answer).toEqual(await express(method, path));
      expect(answer.status).toBe(405);
      expect(answer.headers).toContain('Allow: GET');
      if (method !== 'HEAD') {
        expect(JSON.parse(answer.body)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here; use GET` });
        assertMatchesSpec(method, path, answer.status, 'application/json', answer.body);
      }
    }
  });

  it.each([
    ['a query string', '/v1/streaming/ready?verbose=1', {}, undefined],
    ['an empty query string', '/v1/streaming/ready?', {}, undefined],
    ['a trailing slash', '/v1/streaming/ready/', {}, undefined],
    ['another case', '/V1/Streaming/Ready', {}, undefined],
    ['a body', '/v1/streaming/ready', { 'content-type': 'application/json' }, '{"a": '],
    ['an empty body', '/v1/streaming/startup', { 'content-type': 'application/json', 'content-length': '0' }, ''],
  ] as const)('leaves a probe with %s to Express, which answers as it always did', async (_name, path, headers, body) => {
    const running = await startService();
    running.service.bus.emit(APP_READY);
    const { fast, express, handled } = await sideBySide(running);
    const answer = await fast('GET', path, headers, body);
    expect(handled).toHaveLastReturnedWith(false);
    expect(answer).toEqual(await express('GET', path, headers, body));
  });
});

describe('the Express app loads when a request first needs it', () => {
  it('answers requests sent while it loads, every one, in its own way', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    const port = Number(new URL(running.url).port);
    const json = { 'content-type': 'application/json' };
    const answers = await Promise.all([
      send(port, 'POST', '/v1/streaming/events', json, JSON.stringify({ event: APP_READY })),
      send(port, 'POST', '/v1/streaming/creds', json, JSON.stringify(SEED_CREDENTIALS)),
      send(port, 'POST', '/v1/streaming/creds', json, JSON.stringify({ ...SEED_CREDENTIALS, stunPort: 'x' })),
      send(port, 'GET', '/v1/streaming/ready'),
      send(port, 'DELETE', '/v1/streaming/ready'),
      send(port, 'GET', '/openapi.json'),
      send(port, 'GET', '/v1/streaming/nope'),
      send(port, 'POST', '/v1/streaming/endsession', json, '{}'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([202, 200, 400, 503, 405, 200, 404, 200]);
    expect(running.service.state.appReady).toBe(true);
    expect(running.service.session.credentials).toEqual(SEED_CREDENTIALS);
  });
});
