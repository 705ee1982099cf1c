// What a page in a browser can do to the service: requests marked cross-site are refused on
// the operations that change state, and the local event API answers loopback host names only.
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Settings } from '../../src/settings/table.js';
import { APP_READY, NEW_FRAME, SEED_CREDENTIALS, startService, stopServices, type RunningService } from '../support/service.js';
import { stalledStream } from '../support/sse.js';

const sockets: Socket[] = [];
const sources: EventSource[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of sources.splice(0)) s.close();
  await stopServices();
});

function send(running: RunningService, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: new URL(running.url).port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      // An event stream never ends: its status is all this needs.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode!, body: '' });
      }
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const endsession = (running: RunningService, headers: Record<string, string>) => send(running, 'POST', '/v1/streaming/endsession', { ...JSON_TYPE, ...headers }, '{}');

describe('cross-origin protection', () => {
  it.each([
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['an Origin of another host', { origin: 'http://evil.example:8011' }],
    ['an Origin of another port', { origin: 'http://127.0.0.1:1' }],
    ['Origin: null', { origin: 'null' }],
  ])('refuses creds, endsession and events with %s, with 403, and changes nothing', async (_name, headers) => {
    const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 1 });
    await running.send(APP_READY, NEW_FRAME);
    for (const [path, body] of [
      ['/v1/streaming/endsession', '{}'],
      ['/v1/streaming/creds', JSON.stringify(SEED_CREDENTIALS)],
      ['/v1/streaming/events', JSON.stringify({ event: 'omni.kit.livestream.client_connected:immediate' })],
    ] as const) {
      const answer = await send(running, 'POST', path, { ...JSON_TYPE, ...headers }, body);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 403, code: 'FORBIDDEN', message: expect.stringContaining('Cross-origin request refused') });
    }
    expect(running.service.state.phase.name).toBe('open');
    expect(running.service.state.clients).toBe(0);
    expect(running.service.session.credentials).toBeUndefined();
  });

  it.each([
    ['no such header (NVCF, curl, applications)', {}],
    ['Sec-Fetch-Site: same-origin (the docs page)', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site: none (typed by the user)', { 'sec-fetch-site': 'none' }],
    ['an Origin of the same host and port', { origin: 'ORIGIN' }],
  ])('answers a request with %s as before', async (_name, headers: Record<string, string>) => {
    const running = await startService({ quitOnSessionEnded: false });
    const origin = new URL(running.url).origin;
    const answer = await endsession(running, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === 'ORIGIN' ? origin : v])));
    expect(answer.status).toBe(200);
  });

  it('answers pages of the origins in trustedOrigins', async () => {
    const running = await startService({ quitOnSessionEnded: false, trustedOrigins: 'https://portal.example, http://127.0.0.1:3000' } as Partial<Settings>);
    expect((await endsession(running, { origin: 'https://portal.example', 'sec-fetch-site': 'cross-site' })).status).toBe(200);
    expect((await endsession(running, { origin: 'https://other.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });
});

describe('the host check on the local event API', () => {
  it.each(['evil.example', 'rebound.attacker.test:8011', '10.0.0.1'])('refuses a loopback caller that names the host %s, for the stream and for events', async (host) => {
    const running = await startService();
    const post = await send(running, 'POST', '/v1/streaming/events', { ...JSON_TYPE, host }, JSON.stringify({ event: APP_READY }));
    expect(post.status).toBe(403);
    expect(JSON.parse(post.body).message).toContain('loopback host name');
    expect((await send(running, 'GET', '/v1/streaming/events', { host })).status).toBe(403);
    expect(running.service.state.appReady).toBe(false);
  });

  it.each(['localhost', '127.0.0.1', '127.0.0.2', '[::1]', 'LOCALHOST'])('answers a loopback caller that names %s', async (name) => {
    const running = await startService();
    const host = `${name}:${new URL(running.url).port}`;
    expect((await send(running, 'POST', '/v1/streaming/events', { ...JSON_TYPE, host }, JSON.stringify({ event: APP_READY }))).status).toBe(202);
    expect((await send(running, 'GET', '/v1/streaming/events', { host })).status).toBe(200);
  });

  it('answers the host names of allowedHosts, and the host it listens on', async () => {
    const running = await startService({ allowedHosts: 'app.internal' } as Partial<Settings>);
    expect((await send(running, 'POST', '/v1/streaming/events', { ...JSON_TYPE, host: 'app.internal' }, JSON.stringify({ event: APP_READY }))).status).toBe(202);
  });

  it('answers any host with the access token, as before', async () => {
    const running = await startService({ accessToken: 'tok' });
    const answer = await send(running, 'POST', '/v1/streaming/events', { ...JSON_TYPE, host: 'evil.example', authorization: 'Bearer tok' }, JSON.stringify({ event: APP_READY }));
    expect(answer.status).toBe(202);
  });
});

describe('event streams held by connections that stopped reading', () => {
  it('never lock a new listener out: the oldest makes room, and the eventsource client reconnects to what it missed', async () => {
    const running = await startService({ maxEventStreams: 2 });
    // A half-open listener: it asked for a stream and never reads again.
    const { socket: stale } = await stalledStream(Number(new URL(running.url).port), sockets);
    await vi.waitFor(() => expect(running.service.state).toBeDefined());
    const received: string[] = [];
    const source = new EventSource(`${running.url}/v1/streaming/events`);
    sources.push(source);
    source.addEventListener('omni.services.livestream.session.stun_credentials', () => received.push('credentials'));
    await new Promise<void>((resolve) => source.addEventListener('readiness', () => resolve(), { once: true }));
    // A third listener: the stale one goes first.
    const third = new EventSource(`${running.url}/v1/streaming/events`);
    sources.push(third);
    await new Promise<void>((resolve) => third.addEventListener('readiness', () => resolve(), { once: true }));
    await vi.waitFor(() => expect(stale.destroyed || stale.readableEnded || stale.closed).toBe(true), { timeout: 5_000, interval: 20 });
    // A fourth: now the eventsource client's stream is the oldest and is closed; it reconnects.
    const fourth = new EventSource(`${running.url}/v1/streaming/events`);
    sources.push(fourth);
    await new Promise<void>((resolve) => fourth.addEventListener('readiness', () => resolve(), { once: true }));
    await running.client.post({ url: '/v1/streaming/creds', body: SEED_CREDENTIALS, headers: JSON_TYPE });
    await vi.waitFor(() => expect(received).toEqual(['credentials']), { timeout: 10_000, interval: 50 });
  });
});

describe('a stream whose client does not read', () => {
  it('is sent nothing more once 1 MiB waits, and is closed once it has fallen behind the kept events', async () => {
    const running = await startService();
    const { socket: stalled } = await stalledStream(Number(new URL(running.url).port), sockets);
    let closed = false;
    let received = 0;
    stalled.on('close', () => (closed = true));
    // Credentials near the body limit, dispatched again and again to a reader that does not read: 24 MB.
    const padding = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 400; i++) {
      running.service.session.setCredentials({ ...SEED_CREDENTIALS, padding: `${padding}${i}` } as typeof SEED_CREDENTIALS);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Reading again, it gets what was on its way before the stream was closed, then the end.
    stalled.on('data', (chunk: Buffer) => (received += chunk.length));
    stalled.resume();
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 10_000, interval: 20 });
    expect(received).toBeLessThan(400 * padding.length);
  });
});
