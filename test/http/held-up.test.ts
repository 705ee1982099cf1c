// Callers that try to hold the service up or slip something past it: connections that never
// finish their request, requests pipelined on one connection, framings that two parsers could
// read two ways, floods of headers, and JSON keys that name prototypes. The probes keep
// answering through all of it, and none of it changes the session.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkReady, checkStartup, getStatus, setCredentials } from '../../generated/sdk.gen.js';
import type { StatusReport } from '../../generated/types.gen.js';
import { sendEvents } from '../support/contract.js';
import { killProcesses, startCli } from '../support/process.js';
import { RawConnection } from '../support/raw-http.js';
import { APP_READY, CLIENT_CONNECTED, NEW_FRAME, raw, SEED_CREDENTIALS, SESSION_READY, startService, stopServices, type RunningService } from '../support/service.js';

const SESSION = '--/exts/omni.services.livestream.session';
const READY = '/v1/streaming/ready';
const STARTUP = '/v1/streaming/startup';
const CREDS = '/v1/streaming/creds';
const ENDSESSION = '/v1/streaming/endsession';
const EVENTS = '/v1/streaming/events';

const sockets: Socket[] = [];
const intervals: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const interval of intervals.splice(0)) clearInterval(interval);
  for (const socket of sockets.splice(0)) socket.destroy();
  await stopServices();
  await killProcesses();
});

const portOf = (running: RunningService) => Number(new URL(running.url).port);

/**
 * A GET on a connection of its own, as a prober sends it. Rejects on a connection error, and
 * after the 10 s NVCF gives each probe.
 */
function probe(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, signal: AbortSignal.timeout(10_000) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Writes `text` on a connection of its own and collects the answer: until the server closes
 * the connection, or until one whole answer (head and announced body) has come. A server
 * still waiting for more of the request after 5 s has answered nothing.
 */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, 5_000).unref();
    let received = '';
    const whole = () => {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received.slice(0, end))?.[1] ?? 0);
      return Buffer.byteLength(received.slice(end + 4)) >= length;
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (whole()) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    socket.write(text);
  });
}

const statusLine = (answer: string) => answer.slice(0, Math.max(0, answer.indexOf('\r\n')));

/** What GET /v1/streaming/status reports, as a fingerprint of the session. */
async function statusOf(running: RunningService): Promise<StatusReport> {
  const { data, response } = await getStatus({ client: running.client });
  expect(response.status).toBe(200);
  return data!;
}

describe('connections that never finish their request', () => {
  // Each held connection stops at a different place; `finish` is the rest of its request.
  const HELD = [
    { start: '', finish: `GET ${READY} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n` }, // says nothing at all
    { start: 'GET /v1/stre', finish: `aming/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n` }, // half a request line
    { start: `GET ${READY} HTTP/1.1\r\nHo`, finish: 'st: 127.0.0.1\r\n\r\n' }, // half a header name
    { start: `GET ${READY} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `, finish: '\r\n\r\n', drip: true }, // a header value, a byte at a time
  ];

  interface Held {
    socket: Socket;
    received: string;
    closed: boolean;
    finish: string;
  }

  function hold(port: number, start: string, finish: string): Promise<Held> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      const held: Held = { socket, received: '', closed: false, finish };
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (held.received += chunk));
      socket.on('close', () => (held.closed = true));
      socket.on('error', () => {});
      socket.once('error', reject);
      socket.once('connect', () => {
        if (start) socket.write(start);
        resolve(held);
      });
    });
  }

  it('keeps answering /ready and /startup on new connections while 1000 callers hold theirs half-sent', { timeout: 40_000 }, async () => {
    // Long enough that no held connection times out during the test: they are all held throughout.
    const { cli, port, client } = await startCli([`${SESSION}/headersTimeoutSeconds=60`, `${SESSION}/requestTimeoutSeconds=120`]);
    const held: Held[] = [];
    for (let batch = 0; batch < 10; batch++) {
      held.push(...(await Promise.all(Array.from({ length: 100 }, (_, i) => HELD[(batch * 100 + i) % HELD.length]!).map(({ start, finish }) => hold(port, start, finish)))));
    }
    const dripping = held.filter((_, i) => HELD[i % HELD.length]!.drip);
    let drips = 0;
    intervals.push(
      setInterval(() => {
        for (const h of dripping) h.socket.write('a');
        drips += 1;
      }, 100),
    );

    /** Probe rounds until the held connections have dripped a few more bytes meanwhile. */
    async function probesAnswer(ready: { status: number; statusMessage: string }) {
      const dripsBefore = drips;
      for (let round = 0; round < 20 || drips < dripsBefore + 3; round++) {
        const [readiness, startup] = await Promise.all([probe(port, READY), probe(port, STARTUP)]);
        expect(readiness.status).toBe(ready.status);
        expect(readiness.body.statusMessage).toBe(ready.statusMessage);
        expect(startup).toEqual({ status: 200, body: { statusMessage: 'Status: Startup endpoint OK' } });
      }
    }

    await probesAnswer({ status: 503, statusMessage: 'Status: App not ready' });
    await sendEvents(client, APP_READY, NEW_FRAME);
    await probesAnswer({ status: 200, statusMessage: 'Status: Ready for connection' });
    expect(held.filter((h) => h.closed || h.received !== '').length).toBe(0);

    // They were held by the service all along, not dropped: each finished request is answered.
    for (const h of held) h.socket.write(h.finish);
    await vi.waitFor(() => expect(held.filter((h) => !h.received.startsWith('HTTP/1.1 200 ')).length).toBe(0), { timeout: 15_000, interval: 50 });
    expect(cli.child.exitCode).toBeNull();
  });
});

describe('pipelined requests', () => {
  it('answers 100 readiness probes written at once on one connection, each once', async () => {
    const running = await startService();
    const connection = await RawConnection.open(portOf(running));
    connection.socket.cork();
    for (let i = 0; i < 100; i++) connection.sendHead('GET', READY);
    connection.socket.uncork();
    const answers = [];
    for (let i = 0; i < 100; i++) answers.push(await connection.response());
    expect(answers.map((a) => `${a.status} ${JSON.parse(a.body).statusMessage}`)).toEqual(Array(100).fill('503 Status: App not ready'));
    // Nothing more was answered, and the connection still takes requests.
    connection.sendHead('GET', STARTUP);
    expect((await connection.response()).status).toBe(200);
    expect(connection.closed).toBe(false);
    connection.close();
  });

  it('answers pipelined requests in the order they were written', async () => {
    const running = await startService();
    const connection = await RawConnection.open(portOf(running));
    const paths = Array.from({ length: 100 }, (_, i) => (i % 3 === 2 ? STARTUP : READY));
    connection.socket.cork();
    for (const path of paths) connection.sendHead('GET', path);
    connection.socket.uncork();
    const answers = [];
    for (let i = 0; i < paths.length; i++) answers.push(await connection.response());
    const expected = paths.map((path) => (path === READY ? '503 Status: App not ready' : '200 Status: Startup endpoint OK'));
    expect(answers.map((a) => `${a.status} ${JSON.parse(a.body).statusMessage}`)).toEqual(expected);
    connection.close();
  });
});

describe('requests whose framing could be read two ways', () => {
  const head = (path: string, lines: string[]) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${lines.join('\r\n')}\r\n\r\n`;
  const chunked = (body: string) => `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  const length = (text: string) => Buffer.byteLength(text);

  // Bodies that change the session if they get through: new credentials, an ended session.
  const TARGETS = [
    { path: CREDS, body: JSON.stringify(SEED_CREDENTIALS) },
    { path: ENDSESSION, body: JSON.stringify({ sessionId: 'smuggled', gracefulShutdown: true }) },
  ];

  const FRAMINGS: Array<[string, (path: string, body: string) => string]> = [
    ['Content-Length and Transfer-Encoding: chunked', (p, b) => head(p, [`Content-Length: ${length(chunked(b))}`, 'Transfer-Encoding: chunked']) + chunked(b)],
    ['Transfer-Encoding: chunked and Content-Length', (p, b) => head(p, ['Transfer-Encoding: chunked', `Content-Length: ${length(b)}`]) + chunked(b)],
    ['two different Content-Length headers', (p, b) => head(p, [`Content-Length: ${length(b)}`, `Content-Length: ${length(b) + 4}`]) + b + '    '],
    ['Content-Length listing two lengths', (p, b) => head(p, [`Content-Length: ${length(b)}, ${length(b) + 4}`]) + b + '    '],
    ['Content-Length with a sign', (p, b) => head(p, [`Content-Length: +${length(b)}`]) + b],
    ['Transfer-Encoding: chunked, identity', (p, b) => head(p, ['Transfer-Encoding: chunked, identity']) + chunked(b)],
    ['Transfer-Encoding: identity', (p, b) => head(p, ['Transfer-Encoding: identity']) + b],
    ['Transfer-Encoding with a space before its colon', (p, b) => head(p, ['Transfer-Encoding : chunked']) + chunked(b)],
    ['Transfer-Encoding continued on a folded line', (p, b) => head(p, ['Transfer-Encoding: identity', ' chunked']) + chunked(b)],
    ['two Transfer-Encoding headers', (p, b) => head(p, ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity']) + chunked(b)],
    ['a chunk size that is not hexadecimal', (p, b) => head(p, ['Transfer-Encoding: chunked']) + `zz\r\n${b}\r\n0\r\n\r\n`],
    ['a bad chunk size after a whole body', (p, b) => head(p, ['Transfer-Encoding: chunked']) + `${length(b).toString(16)}\r\n${b}\r\n-1\r\n\r\n`],
    [
      'a request hidden behind an empty chunked body',
      (p, b) => {
        const hidden = `0\r\n\r\n${head(p, [`Content-Length: ${length(b)}`])}${b}`;
        return head(CREDS, [`Content-Length: ${length(hidden)}`, 'Transfer-Encoding: chunked']) + hidden;
      },
    ],
    ['bare LF line ends', (p, b) => `POST ${p} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: ${length(b)}\n\n${b}`],
  ];

  const CASES = TARGETS.flatMap((target) => FRAMINGS.map(([framing, build]) => ({ path: target.path, framing, text: build(target.path, target.body) })));

  it.each(CASES.map((c) => [c.path, c.framing, c.text] as const))('answers POST %s with %s with 400 and leaves the session as it was', async (_path, _framing, text) => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    const before = await statusOf(running);
    expect(before).toMatchObject({ ready: true, phase: 'open', credentialsReceived: false, lastSessionId: null });

    const answer = await exchange(portOf(running), text);
    expect(statusLine(answer)).toMatch(/^HTTP\/1\.1 400 /);

    expect(await statusOf(running)).toEqual(before);
    const ready = await checkReady({ client: running.client });
    expect(ready.response.status).toBe(200);
    expect(ready.data?.statusMessage).toBe('Status: Ready for connection');
    expect(running.service.session.credentials).toBeUndefined();
    expect(running.exits).toEqual([]);
  });

  // The same bodies, framed one way only, do change the session: the cases above would show it.
  it.each(TARGETS.map((t) => [t.path, t] as const))('takes POST %s when its body is framed one way only', async (_path, { path, body }) => {
    for (const text of [head(path, [`Content-Length: ${length(body)}`]) + body, head(path, ['Transfer-Encoding: chunked']) + chunked(body)]) {
      const running = await startService();
      await running.send(APP_READY, NEW_FRAME);
      const answer = await exchange(portOf(running), text);
      expect(statusLine(answer)).toBe('HTTP/1.1 200 OK');
      const { session, state } = running.service;
      expect(path === CREDS ? session.credentials : state.phase.name).toEqual(path === CREDS ? SEED_CREDENTIALS : 'recycling');
    }
  });
});

describe('a flood of request headers', () => {
  const flood = (count: number) => Array.from({ length: count }, (_, i) => `X-Header-${i}: ${i}\r\n`).join('');

  it('answers a probe with 10,000 headers with 431, and the probes answer afterwards', async () => {
    const running = await startService();
    const port = portOf(running);
    const answer = await exchange(port, `GET ${READY} HTTP/1.1\r\nHost: 127.0.0.1\r\n${flood(10_000)}\r\n`);
    expect(statusLine(answer)).toMatch(/^HTTP\/1\.1 431 /);
    expect(statusLine(await exchange(port, `GET ${READY} HTTP/1.1\r\nHost: 127.0.0.1\r\n${flood(50)}\r\n`))).toBe('HTTP/1.1 503 Service Unavailable');
    expect((await checkStartup({ client: running.client })).response.status).toBe(200);
    expect((await checkReady({ client: running.client })).response.status).toBe(503);
  });

  it('answers credentials with 10,000 headers with 431 and keeps none of them', async () => {
    const running = await startService();
    const body = JSON.stringify(SEED_CREDENTIALS);
    const answer = await exchange(portOf(running), `POST ${CREDS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${flood(10_000)}\r\n${body}`);
    expect(statusLine(answer)).toMatch(/^HTTP\/1\.1 431 /);
    expect((await statusOf(running)).credentialsReceived).toBe(false);
    expect((await checkStartup({ client: running.client })).response.status).toBe(200);
  });
});

describe('JSON keys that name prototypes', () => {
  const KEYS = ['__proto__', 'constructor', 'prototype'];
  /** A key of no meaning to anyone: what the service does with it is what it must do with the others. */
  const PLAIN = 'plainKey';
  /** What a merge that follows such keys would write into Object.prototype. */
  const POISON = '{"polluted":"yes","prototype":{"polluted":"yes"},"gracefulShutdown":true,"clientId":"from-prototype"}';
  const seed = JSON.stringify(SEED_CREDENTIALS).slice(1, -1);
  const turn = JSON.stringify(SEED_CREDENTIALS.turnDetails).slice(1, -1);

  // Raw JSON texts (JSON.stringify never writes a `__proto__` key); K is the key.
  const BODIES: Array<{ what: string; path: string; json: (key: string) => string }> = [
    { what: 'beside the credentials', path: CREDS, json: (k) => `{"${k}":${POISON},${seed}}` },
    { what: 'holding all the credentials', path: CREDS, json: (k) => `{"${k}":${JSON.stringify(SEED_CREDENTIALS)}}` },
    { what: 'inside turnDetails', path: CREDS, json: (k) => `{${seed.replace(/"turnDetails":\{.*\}$/, '')}"turnDetails":{"${k}":${POISON},${turn}}}` },
    { what: 'holding gracefulShutdown and a sessionId', path: ENDSESSION, json: (k) => `{"${k}":{"gracefulShutdown":true,"sessionId":"from-prototype"}}` },
    { what: 'holding the event name', path: EVENTS, json: (k) => `{"${k}":{"event":"${APP_READY}"}}` },
    { what: 'holding the payload', path: EVENTS, json: (k) => `{"event":"${CLIENT_CONNECTED}","${k}":{"payload":{"clientId":"from-prototype"}}}` },
    { what: 'inside a client_connected payload', path: EVENTS, json: (k) => `{"event":"${CLIENT_CONNECTED}","payload":{"${k}":${POISON}}}` },
    { what: 'inside a session-ready payload', path: EVENTS, json: (k) => `{"event":"${SESSION_READY}","payload":{"${k}":${POISON}}}` },
  ];

  const prototypeNames = () => [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort());

  /** Sends `json` to a fresh service; what it answered, what the session became, what the application was given. */
  async function outcome(path: string, json: string) {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    const dispatched: Array<{ json: string; inherits: unknown[] }> = [];
    running.service.bus.on('omni.services.livestream.session.stun_credentials', (payload) => {
      const credentials = payload as Record<string, unknown> & { turnDetails?: Record<string, unknown> };
      const objects = [credentials, ...(credentials.turnDetails === undefined ? [] : [credentials.turnDetails])];
      // What the application is given inherits nothing from the request (checked by the test, not here: the bus keeps listeners' errors to itself).
      dispatched.push({ json: JSON.stringify(payload), inherits: objects.flatMap((o) => [Object.getPrototypeOf(o) === Object.prototype, o.polluted]) });
    });
    const answer = await raw(running, { method: 'POST', path, body: json, contentType: 'application/json' });
    const { uptimeSeconds: _uptime, settings: _settings, ...status } = await statusOf(running);
    const { state } = running.service;
    return {
      status: answer.status,
      body: JSON.stringify(answer.body),
      session: { ...status, clientIds: [...state.clientIds], anonymousClients: state.anonymousClients, exits: running.exits },
      dispatched,
    };
  }

  const CASES = BODIES.flatMap((body) => KEYS.map((key) => ({ ...body, key })));

  it.each(CASES.map((c) => [c.key, c.what, c.path, c] as const))('treats %s %s (POST %s) as any other key, and pollutes no prototype', async (_key, _what, _path, { path, json, key }) => {
    const namesBefore = prototypeNames();
    const plain = await outcome(path, json(PLAIN));
    const hostile = await outcome(path, json(key));
    expect([200, 202, 400]).toContain(hostile.status);
    const asPlain = (text: string) => text.replaceAll(`"${PLAIN}"`, `"${key}"`);
    expect(hostile).toEqual({ ...plain, body: asPlain(plain.body), dispatched: plain.dispatched.map((d) => ({ ...d, json: asPlain(d.json) })) });
    for (const { inherits } of hostile.dispatched) expect(inherits).toEqual(inherits.map((_, i) => (i % 2 === 0 ? true : undefined)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).gracefulShutdown).toBeUndefined();
    expect(prototypeNames()).toEqual(namesBefore);
  });

  it('keeps working after every one of them: it takes credentials and answers its probes', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    for (const { path, json, key } of CASES) {
      expect([200, 202, 400]).toContain((await raw(running, { method: 'POST', path, body: json(key), contentType: 'application/json' })).status);
    }
    expect((await setCredentials({ client: running.client, body: SEED_CREDENTIALS })).response.status).toBe(200);
    expect(running.service.session.credentials).toEqual(SEED_CREDENTIALS);
    expect((await checkStartup({ client: running.client })).response.status).toBe(200);
    const ready = await checkReady({ client: running.client });
    expect(ready.response.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
