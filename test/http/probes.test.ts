import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotReadyStatus, ReadyStatus } from '../../generated/types.gen.js';
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

/** Sends a request to the service's request listener, on a server that outlives a quit. */
async function probe(running: RunningService, method: string, path: string, headers?: Record<string, string>, body?: string): Promise<Answer> {
  return send(await serve(running.service.handler), method, path, headers, body);
}

/**
 * The readiness table of ../shared/BEHAVIOUR.md ("Readiness"), written out: how to reach each
 * row, and the answer the spec gives there (the statusMessage byte for byte, the HTTP status,
 * the reason code openapi.yaml pairs with it). Typed by the spec's generated bodies.
 */
const ROWS: Array<{
  reason: (ReadyStatus | NotReadyStatus)['reason'];
  settings?: Partial<Settings>;
  reach: (r: RunningService) => void;
  httpStatus: 200 | 503;
  body: ReadyStatus | NotReadyStatus;
}> = [
  {
    reason: 'APP_NOT_READY',
    reach: () => {},
    httpStatus: 503,
    body: { statusMessage: 'Status: App not ready', reason: 'APP_NOT_READY' },
  },
  {
    reason: 'RTX_NOT_READY',
    reach: (r) => r.service.bus.emit(APP_READY),
    httpStatus: 503,
    body: { statusMessage: 'Status: Rtx not ready', reason: 'RTX_NOT_READY' },
  },
  {
    reason: 'SESSION_READY_EVENT_NOT_RECEIVED',
    settings: { waitForSessionReadyEvent: true },
    reach: (r) => (r.service.bus.emit(APP_READY), r.service.bus.emit(NEW_FRAME)),
    httpStatus: 503,
    body: { statusMessage: 'Status: Session ready event not received', reason: 'SESSION_READY_EVENT_NOT_RECEIVED' },
  },
  {
    reason: 'WAITING_FOR_PREVIOUS_CLIENT',
    settings: { quitOnSessionEnded: false },
    reach: (r) => {
      for (const event of [APP_READY, NEW_FRAME, CLIENT_CONNECTED] as const) r.service.bus.emit(event);
      r.service.session.endSession({ gracefulShutdown: true });
    },
    httpStatus: 503,
    body: { statusMessage: 'Status: Waiting for previous client to disconnect', reason: 'WAITING_FOR_PREVIOUS_CLIENT' },
  },
  {
    reason: 'SESSION_ENDED',
    settings: { quitOnSessionEnded: true },
    reach: (r) => {
      for (const event of [APP_READY, NEW_FRAME] as const) r.service.bus.emit(event);
      r.service.session.endSession({ gracefulShutdown: true });
    },
    httpStatus: 503,
    body: { statusMessage: 'Status: Streaming session ended (recycle instance)', reason: 'SESSION_ENDED' },
  },
  {
    reason: 'AWAITING_RESUME',
    reach: (r) => {
      for (const event of [APP_READY, NEW_FRAME, CLIENT_CONNECTED, CLIENT_DISCONNECTED] as const) r.service.bus.emit(event);
      r.service.session.endSession({ gracefulShutdown: false });
      r.clock.advanceSeconds(12);
    },
    httpStatus: 200,
    // A 30 s window, 12 s of it gone.
    body: { statusMessage: 'Status: Awaiting session resume (keep alive)', reason: 'AWAITING_RESUME', resumeSecondsLeft: 18 },
  },
  {
    reason: 'SESSION_ACTIVE',
    reach: (r) => ([APP_READY, NEW_FRAME, CLIENT_CONNECTED] as const).forEach((e) => r.service.bus.emit(e)),
    httpStatus: 200,
    body: { statusMessage: 'Status: Streaming session active (keep alive)', reason: 'SESSION_ACTIVE' },
  },
  {
    reason: 'READY_FOR_CONNECTION',
    reach: (r) => ([APP_READY, NEW_FRAME] as const).forEach((e) => r.service.bus.emit(e)),
    httpStatus: 200,
    body: { statusMessage: 'Status: Ready for connection', reason: 'READY_FOR_CONNECTION' },
  },
];

describe('the probes', () => {
  it.each(ROWS)('answer GET /v1/streaming/ready with the readiness, never cached: $reason', async ({ settings, reach, httpStatus, body }) => {
    const running = await startService({ resumeTimeoutSeconds: 30, ...settings });
    reach(running);

    const answer = await probe(running, 'GET', '/v1/streaming/ready');

    expect(answer.status).toBe(httpStatus);
    expect(JSON.parse(answer.body)).toEqual(body);
    expect(answer.headers).toEqual([
      'Content-Type: application/json; charset=utf-8',
      'Cache-Control: no-store',
      ...(httpStatus === 503 ? ['Retry-After: 1'] : []),
      `Content-Length: ${Buffer.byteLength(answer.body)}`,
      'Connection: close',
    ]);
    assertMatchesSpec('GET', '/v1/streaming/ready', answer.status, 'application/json', answer.body);
  });

  it('show the seconds left of the resume window as time passes', async () => {
    const running = await startService({ resumeTimeoutSeconds: 30 });
    ROWS.find((r) => r.reason === 'AWAITING_RESUME')!.reach(running);
    for (const expected of [18, 8, 1]) {
      const answer = await probe(running, 'GET', '/v1/streaming/ready');
      expect(JSON.parse(answer.body)).toMatchObject({ reason: 'AWAITING_RESUME', resumeSecondsLeft: expected });
      running.clock.advanceSeconds(expected === 18 ? 10 : 7.5);
    }
  });

  it('follow readiness as it changes', async () => {
    const running = await startService();
    const reasons: string[] = [];
    for (const event of [APP_READY, NEW_FRAME, CLIENT_CONNECTED, CLIENT_DISCONNECTED] as const) {
      running.service.bus.emit(event);
      reasons.push(JSON.parse((await probe(running, 'GET', '/v1/streaming/ready')).body).reason);
    }
    expect(reasons).toEqual(['RTX_NOT_READY', 'READY_FOR_CONNECTION', 'SESSION_ACTIVE', 'READY_FOR_CONNECTION']);
  });

  it.each(ROWS)('answer HEAD /v1/streaming/ready with the status and headers of GET, and no body: $reason', async ({ settings, reach, httpStatus, body }) => {
    const running = await startService({ resumeTimeoutSeconds: 30, ...settings });
    reach(running);
    const get = await probe(running, 'GET', '/v1/streaming/ready');
    expect(get.status).toBe(httpStatus);
    expect(JSON.parse(get.body)).toEqual(body);
    const head = await probe(running, 'HEAD', '/v1/streaming/ready');
    expect(head.status).toBe(httpStatus);
    expect(head.headers).toEqual(get.headers);
    expect(head.body).toBe('');
  });

  it('answer HEAD /v1/streaming/startup with the status and headers of GET, and no body, through Express too', async () => {
    const running = await startService();
    const get = await probe(running, 'GET', '/v1/streaming/startup');
    for (const path of ['/v1/streaming/startup', '/v1/streaming/startup?via=express']) {
      const head = await probe(running, 'HEAD', path);
      expect(head).toMatchObject({ status: 200, body: '' });
      expect(head.headers.filter((h) => !h.startsWith('Connection'))).toEqual(get.headers.filter((h) => !h.startsWith('Connection')));
    }
  });

  it('answer GET /v1/streaming/startup with 200, never cached', async () => {
    const running = await startService();
    const answer = await probe(running, 'GET', '/v1/streaming/startup');
    expect(answer).toMatchObject({ status: 200, body: '{"statusMessage":"Status: Startup endpoint OK"}' });
    expect(answer.headers).toContain('Cache-Control: no-store');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('answer %s with 405 in the shared error shape', async (method) => {
    const running = await startService();
    for (const path of ['/v1/streaming/ready', '/v1/streaming/startup']) {
      const answer = await probe(running, method, path);
      expect(answer.status).toBe(405);
      expect(answer.headers).toContain('Allow: GET, HEAD');
      expect(JSON.parse(answer.body)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here; use GET, HEAD` });
      assertMatchesSpec(method, path, answer.status, 'application/json', answer.body);
    }
  });

  it.each([
    ['a query string', '/v1/streaming/ready?verbose=1'],
    ['an empty query string', '/v1/streaming/ready?'],
    ['a trailing slash', '/v1/streaming/ready/'],
    ['another case', '/V1/Streaming/Ready'],
  ] as const)('answer a GET with %s through the validator, as a plain GET', async (_name, path) => {
    const running = await startService();
    running.service.bus.emit(APP_READY);
    const answer = await probe(running, 'GET', path);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ statusMessage: 'Status: Rtx not ready', reason: 'RTX_NOT_READY' });
  });

  it('answer a GET with an empty JSON body through the body parser, as a plain GET', async () => {
    const running = await startService();
    const answer = await probe(running, 'GET', '/v1/streaming/startup', { 'content-type': 'application/json', 'content-length': '0' }, '');
    expect(answer).toMatchObject({ status: 200, body: '{"statusMessage":"Status: Startup endpoint OK"}' });
  });
});

describe('requests of every kind sent at once to a service that has just started', () => {
  it('are each answered in their own way', async () => {
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
