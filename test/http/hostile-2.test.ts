// More requests a hostile caller sends: bodies nested thousands of levels deep (with and
// without bytes that are not UTF-8), and bodies that are not there at all. Each is answered
// with a clear 4xx, changes nothing, and leaves the event streams and probes working.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_ENDED_EVENT, STUN_CREDENTIALS_EVENT } from '../../src/core/events.js';
import { MAX_BODY_DEPTH } from '../../src/http/body.js';
import { APP_READY, CLIENT_CONNECTED, NEW_FRAME, SEED_CREDENTIALS, startService, stopServices, type RunningService } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(stopServices);

const CREDS = '/v1/streaming/creds';
const END = '/v1/streaming/endsession';
const EVENTS = '/v1/streaming/events';

interface Answer {
  status: number;
  body: Record<string, any>;
}

/** A POST with these exact bytes, on a connection of its own. */
function post(running: RunningService, path: string, body: Buffer | string, contentType = 'application/json'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(running.url);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': contentType }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, any> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A POST with no body and no Content-Type when `body` is undefined. */
function postMaybe(running: RunningService, path: string, body: string | undefined, contentType: string | undefined): Promise<Answer> {
  if (body !== undefined) return post(running, path, body, contentType);
  return new Promise((resolve, reject) => {
    const { port } = new URL(running.url);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, any> }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `[[[…]]]` nested `depth` levels deep, around `inner`. */
const nested = (depth: number, inner = '0') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

/** Credentials with an extra field holding `value` (JSON text), as in the report: 10 KB for 5000 levels. */
const deepCredentials = (value: string) => `${JSON.stringify(SEED_CREDENTIALS).slice(0, -1)},"x":${value}}`;

/** A body for each endpoint that takes one, whose extra field holds `value` (JSON text). */
const BODIES: ReadonlyArray<{ path: string; body: (value: string) => string }> = [
  { path: CREDS, body: deepCredentials },
  { path: END, body: (value) => `{"gracefulShutdown":true,"x":${value}}` },
  { path: EVENTS, body: (value) => `{"event":"${CLIENT_CONNECTED}","payload":{"x":${value}}}` },
];

function snapshot(running: RunningService) {
  return { state: running.service.state, readiness: running.service.readiness(), credentials: running.service.session.credentials };
}

describe('bodies nested deeper than the limit', () => {
  it.each(BODIES)('are refused on $path with a 400 naming the field and the limit, and change nothing', async ({ path, body }) => {
    const running = await startService({ quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME);
    const before = snapshot(running);
    const answer = await post(running, path, body(nested(5000)));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const field = path === EVENTS ? 'payload.x' : 'x';
    expect(answer.body.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}(\\.0)+ is nested deeper than ${MAX_BODY_DEPTH} levels$`));
    expect(answer.body.errors).toEqual([{ path: expect.stringMatching(`^/body/${field.replace('.', '/')}/0/`), message: `is nested deeper than ${MAX_BODY_DEPTH} levels` }]);
    expect(snapshot(running)).toEqual(before);
  });

  it.each(BODIES)('are taken on $path up to the limit', async ({ path, body }) => {
    const running = await startService({ quitOnSessionEnded: false });
    // The body's own object (and the payload's, on the event API) are levels too.
    const own = path === EVENTS ? 2 : 1;
    const answer = await post(running, path, body(nested(MAX_BODY_DEPTH - own)));
    expect(answer.status).toBeLessThan(300);
    const over = await post(running, path, body(nested(MAX_BODY_DEPTH - own + 1)));
    expect(over.status).toBe(400);
  });

  it('are refused as first credentials while an event stream is open, and the stream still gets what follows', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    const stream = await EventStreamReader.open(running.client);
    const deep = await post(running, CREDS, deepCredentials(nested(5000)));
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(running.service.session.credentials).toBeUndefined();

    const good = await post(running, CREDS, JSON.stringify(SEED_CREDENTIALS));
    expect(good).toEqual({ status: 200, body: { success: true, errorMessage: null } });
    expect(await stream.next(STUN_CREDENTIALS_EVENT)).toEqual(SEED_CREDENTIALS);
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    expect(await stream.next('readiness', (r) => r.reason === 'SESSION_ACTIVE')).toMatchObject({ reason: 'SESSION_ACTIVE' });
    const ended = await post(running, END, '{"gracefulShutdown":true}');
    expect(ended).toEqual({ status: 200, body: { sessionStatus: 'COMPLETE' } });
    expect(await stream.next(SESSION_ENDED_EVENT)).toMatchObject({ cause: 'GRACEFUL_SHUTDOWN' });
    stream.close();
  });

  it('are refused after valid credentials with 400, not 500, and the credentials stay', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    expect((await post(running, CREDS, JSON.stringify(SEED_CREDENTIALS))).status).toBe(200);
    const deep = await post(running, CREDS, deepCredentials(nested(5000)));
    expect(deep.status).toBe(400);
    expect(running.service.session.credentials).toEqual(SEED_CREDENTIALS);
  });
});

describe('a missing body', () => {
  const MISSING = [
    { name: 'no body at all', body: undefined, contentType: undefined },
    { name: 'a JSON body of no bytes', body: '', contentType: 'application/json' },
    { name: 'null', body: 'null', contentType: 'application/json' },
    { name: 'null between blanks', body: ' null\n', contentType: 'application/json' },
  ];
  const cases = [CREDS, END].flatMap((path) => MISSING.map((m) => ({ path, ...m })));

  it.each(cases)('is refused on $path ($name) with 400 naming the body, and changes nothing', async ({ path, body, contentType }) => {
    const running = await startService({ quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME);
    const before = snapshot(running);
    const answer = await postMaybe(running, path, body, contentType);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', message: 'request body is required', errors: [{ path: '/body', message: 'is required' }] });
    if (path === CREDS) expect(answer.body).toMatchObject({ success: false, errorMessage: 'request body is required' });
    expect(snapshot(running)).toEqual(before);
  });

  it.each(['3', '"x"', 'true'])('of another JSON value than an object (%s) is refused with 400 naming the body', async (text) => {
    const running = await startService({ quitOnSessionEnded: false });
    const answer = await post(running, CREDS, text);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'request body must be object' });
  });

  it('is not needed by endsession when the body is an empty object', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    expect(await post(running, END, '{}')).toEqual({ status: 200, body: { sessionStatus: 'AWAITING_RESUME' } });
  });
});

/** A GET of `path` exactly as written (no client tidies it), on a connection of its own. */
function get(running: RunningService, path: string): Promise<{ status: number; contentType: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(running.url);
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: res.headers['content-type'], text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('paths spelled another way', () => {
  it.each(['/docs/../package.json', '/docs/package.json', '/docs/a/package.json?v=1'])('%s answers 404 in the shared error shape', async (path) => {
    const running = await startService();
    const answer = await get(running, path);
    expect(answer.status).toBe(404);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(answer.text)).toEqual({ status: 404, code: 'NOT_FOUND', message: 'No such endpoint; see /docs' });
  });

  it('are counted in the metrics as the route that answered them, or as unmatched when none did', async () => {
    const running = await startService();
    const paths = ['/v1/streaming/ready/', '/V1/STREAMING/READY', '/v1/streaming/Ready', '/v1/streaming/ready//', '/v1/streaming/%72eady', '/v1/streaming/readyx'];
    const answers = [];
    for (const path of paths) answers.push({ path, status: (await get(running, path)).status });
    const metrics = (await get(running, '/metrics')).text;
    const count = (route: string, status: number) => Number(new RegExp(`^livestream_session_http_requests_total\\{method="GET",route="${route}",status="${status}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    const routed = answers.filter((a) => a.status !== 404);
    const unmatched = answers.filter((a) => a.status === 404);
    expect(routed.map((a) => a.path)).toEqual(['/v1/streaming/ready/', '/V1/STREAMING/READY', '/v1/streaming/Ready']);
    expect(count('/v1/streaming/ready', 503)).toBe(routed.length);
    expect(count('unmatched', 404)).toBe(unmatched.length);
  });
});

describe('an event stream', () => {
  it('skips a dispatched event that cannot be written as JSON, and still sends what follows', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    const stream = await EventStreamReader.open(running.client);
    // An application in the same process may dispatch what it likes on the bus.
    const cyclic: Record<string, unknown> = { stunIp: 'a' };
    cyclic.self = cyclic;
    running.service.bus.emit(STUN_CREDENTIALS_EVENT, cyclic as never);
    expect((await post(running, END, '{"gracefulShutdown":true}')).status).toBe(200);
    expect(await stream.next(SESSION_ENDED_EVENT)).toMatchObject({ cause: 'GRACEFUL_SHUTDOWN' });
    expect(stream.names()).not.toContain(STUN_CREDENTIALS_EVENT);
    stream.close();
  });
});

describe('bytes that are not UTF-8 inside a deeply nested body', () => {
  it.each(BODIES)('are refused on $path with 400, not 500', async ({ path, body }) => {
    const running = await startService({ quitOnSessionEnded: false });
    const text = Buffer.from(body(nested(4000, '"@@"')));
    const at = text.indexOf('@@');
    text[at] = 0xff;
    text[at + 1] = 0xc3;
    const answer = await post(running, path, text);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
