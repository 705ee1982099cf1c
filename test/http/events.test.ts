import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkReady, endSession, getStatus, sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import { MAX_CONNECTED_CLIENT_IDS } from '../../src/core/machine.js';
import { isLocalCaller, isLoopback } from '../../src/http/access.js';
import { assertMatchesSpec } from '../support/contract.js';
import {
  APP_READY,
  CLIENT_CONNECTED,
  CLIENT_DISCONNECTED,
  NEW_FRAME,
  SEED_CREDENTIALS,
  SESSION_READY,
  startService,
  stopServices,
} from '../support/service.js';
import { EventStreamReader, RawEventStream } from '../support/sse.js';

const CREDENTIALS_EVENT = 'omni.services.livestream.session.stun_credentials';
const ENDED_EVENT = 'omni.services.livestream.session.ended';

/** An event's number within its instance: the part of its `id:` after the instance's. */
const number = (id: string | undefined) => Number(/^[0-9a-f]{12}-(\d+)$/.exec(id ?? '')?.[1]);
/** The instance part of an `id:`. */
const instanceOf = (id: string | undefined) => id?.replace(/-\d+$/, '');

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

describe('an event name of the extension before 8.0 on POST /v1/streaming/events', () => {
  it('is refused with 400 saying the name it has now, and raises nothing', async () => {
    const running = await startService({ waitForSessionReadyEvent: true });
    const response = await fetch(`${running.url}/v1/streaming/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'omni.services.livestream.nvcf.custom_ready' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.message).toMatch(/^event must be equal to one of the allowed values: .*; omni\.services\.livestream\.nvcf\.custom_ready is what omni\.services\.livestream\.nvcf 7\.x called omni\.services\.livestream\.session\.ready$/);
    expect((await getStatus({ client: running.client })).data?.startup.sessionReadyEventReceived).toBe(false);
  });
});

describe('client ids on POST /v1/streaming/events', () => {
  it('ignore a connect for an id that already left: the resume window stays open and ends as with no client', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME);
    const as = async (event: typeof CLIENT_CONNECTED | typeof CLIENT_DISCONNECTED, clientId: string) => {
      const { response } = await sendEvent({ client: running.client, body: { event, payload: { clientId } } });
      expect(response.status).toBe(202);
    };
    await as(CLIENT_CONNECTED, 'a');
    await as(CLIENT_DISCONNECTED, 'a');
    expect((await endSession({ client: running.client, body: { gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'AWAITING_RESUME' });
    await as(CLIENT_CONNECTED, 'a');
    expect((await getStatus({ client: running.client })).data).toMatchObject({ clients: 0, phase: 'awaitingResume' });
    running.clock.advanceSeconds(30);
    expect((await endSession({ client: running.client, body: { gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'COMPLETE' });
    expect((await checkReady({ client: running.client })).data).toMatchObject({ reason: 'READY_FOR_CONNECTION' });
  });
});

describe(`at most MAX_CONNECTED_CLIENT_IDS (${MAX_CONNECTED_CLIENT_IDS}) clients with an id`, () => {
  it('answers a connect for one more with 409 in the shared error shape, and changes nothing', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    for (let i = 0; i < MAX_CONNECTED_CLIENT_IDS; i++) running.service.bus.emit(CLIENT_CONNECTED, { clientId: `client-${i}` });
    const seen: unknown[] = [];
    running.service.bus.on(CLIENT_CONNECTED, (payload) => seen.push(payload));

    const { response, error } = await sendEvent({ client: running.client, body: { event: CLIENT_CONNECTED, payload: { clientId: 'one-more' } } });
    expect(response.status).toBe(409);
    expect(error).toEqual({ status: 409, code: 'TOO_MANY_CLIENTS', message: expect.stringContaining(`${MAX_CONNECTED_CLIENT_IDS} clients with an id are connected`) });
    expect(seen).toEqual([]);
    expect((await getStatus({ client: running.client })).data?.clients).toBe(MAX_CONNECTED_CLIENT_IDS);

    // A connect said again, one without an id, and one after a disconnect are accepted.
    for (const payload of [{ clientId: 'client-5' }, undefined]) {
      expect((await sendEvent({ client: running.client, body: { event: CLIENT_CONNECTED, ...(payload ? { payload } : {}) } })).response.status).toBe(202);
    }
    expect((await sendEvent({ client: running.client, body: { event: CLIENT_DISCONNECTED, payload: { clientId: 'client-1' } } })).response.status).toBe(202);
    expect((await sendEvent({ client: running.client, body: { event: CLIENT_CONNECTED, payload: { clientId: 'one-more' } } })).response.status).toBe(202);
    expect((await getStatus({ client: running.client })).data?.clients).toBe(MAX_CONNECTED_CLIENT_IDS + 1);
  });
});

describe('GET /v1/streaming/events', () => {
  it('starts with the current readiness, then sends every readiness change', async () => {
    const running = await startService();
    const stream = await EventStreamReader.open(running.client);
    expect(stream.received[0]).toEqual({
      event: 'readiness',
      data: { httpStatus: 503, statusMessage: 'Status: App not ready', reason: 'APP_NOT_READY' },
      id: expect.stringMatching(/^[0-9a-f]{12}-0$/),
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

describe('event ids, replay and keep-alive on GET /v1/streaming/events', () => {
  it('gives every event an id <instance>-<number>, the number increasing by one, the first readiness carrying the last number before it', async () => {
    const running = await startService();
    const stream = await EventStreamReader.open(running.client);
    await running.send(APP_READY, NEW_FRAME);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    await stream.next(CREDENTIALS_EVENT);
    expect(stream.received.map((e) => [e.event, number(e.id)])).toEqual([
      ['readiness', 0],
      ['readiness', 1],
      ['readiness', 2],
      [CREDENTIALS_EVENT, 3],
    ]);
    expect(new Set(stream.received.map((e) => instanceOf(e.id))).size).toBe(1);
    const later = await EventStreamReader.open(running.client);
    expect(later.received[0]).toMatchObject({ event: 'readiness', id: stream.received[3]!.id });
  });

  it('replays the events a reconnecting client missed, in order, and no readiness before them', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    const first = await EventStreamReader.open(running.client);
    await running.send(APP_READY);
    await first.next('readiness', (r) => r.reason === 'RTX_NOT_READY');
    const lastSeen = first.received.at(-1)!.id!;
    first.close();
    await first.done;

    await running.send(NEW_FRAME);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    await endSession({ client: running.client, body: { sessionId: 's1', gracefulShutdown: true } });

    const again = await EventStreamReader.open(running.client, { lastEventId: lastSeen });
    await again.next(ENDED_EVENT);
    expect(again.received.map((e) => [e.event, number(e.id)])).toEqual([
      ['readiness', number(lastSeen) + 1],
      [CREDENTIALS_EVENT, number(lastSeen) + 2],
      [ENDED_EVENT, number(lastSeen) + 3],
    ]);
    expect(again.received[0]!.data).toMatchObject({ reason: 'READY_FOR_CONNECTION' });
    expect(again.received[1]!.data).toEqual(SEED_CREDENTIALS);
    expect(again.received[2]!.data).toEqual({ sessionId: 's1', cause: 'GRACEFUL_SHUTDOWN' });
  });

  it('replays what a client missed, then the current readiness when nothing it missed was a readiness event', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    const first = await EventStreamReader.open(running.client);
    const lastSeen = first.received.at(-1)!.id!;
    first.close();
    await first.done;
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });

    const again = await EventStreamReader.open(running.client, { lastEventId: lastSeen });
    await again.next('readiness');
    expect(again.received.map((e) => [e.event, number(e.id)])).toEqual([
      [CREDENTIALS_EVENT, number(lastSeen) + 1],
      ['readiness', number(lastSeen) + 1],
    ]);
    expect(again.received[1]!.data).toMatchObject({ reason: 'READY_FOR_CONNECTION' });
  });

  it('replays every kept event in the order they were sent for Last-Event-ID 0: readiness never goes back (no 200, 503, 200)', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    const stream = await EventStreamReader.open(running.client, { lastEventId: '0' });
    await stream.next(CREDENTIALS_EVENT);
    expect(stream.received.map((e) => [e.event, (e.data as { httpStatus?: number }).httpStatus, number(e.id)])).toEqual([
      ['readiness', 503, 1],
      ['readiness', 200, 2],
      [CREDENTIALS_EVENT, undefined, 3],
    ]);
  });

  it('replays nothing to a client that saw everything: it gets the current readiness, then what comes', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    const first = await EventStreamReader.open(running.client);
    first.close();
    await first.done;
    const stream = await EventStreamReader.open(running.client, { lastEventId: first.received[0]!.id! });
    await running.send(CLIENT_CONNECTED, CLIENT_DISCONNECTED);
    const reasons = () => stream.received.map((e) => (e.data as { reason: string }).reason);
    await vi.waitFor(() => expect(reasons()).toHaveLength(3), { timeout: 5000 });
    expect(reasons()).toEqual(['READY_FOR_CONNECTION', 'SESSION_ACTIVE', 'READY_FOR_CONNECTION']);
  });

  it.each([
    ['an id of another instance (one that ran before a restart)', 'f00dfeed0000-1000'],
    ['a number alone', '1000'],
    ['garbage', 'not-a-number'],
  ])('replays every kept event for %s, so nothing dispatched is missed', async (_what, lastEventId) => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    const stream = await EventStreamReader.open(running.client, { lastEventId });
    await stream.next(CREDENTIALS_EVENT);
    expect(stream.received.map((e) => [e.event, number(e.id)])).toEqual([
      ['readiness', 1],
      ['readiness', 2],
      [CREDENTIALS_EVENT, 3],
    ]);
  });

  it('sends a keep-alive comment every 15 seconds of its clock, and stops its timer when the stream closes', async () => {
    const running = await startService();
    const raw = await RawEventStream.open(running.client);
    running.clock.advance(14_999);
    await running.send(APP_READY);
    await raw.waitFor('event: readiness', 2);
    expect(raw.count(': keep-alive')).toBe(0);
    running.clock.advance(1);
    await raw.waitFor(': keep-alive\n\n');
    running.clock.advanceSeconds(15);
    await raw.waitFor(': keep-alive\n\n', 2);
    expect(running.clock.pendingTimers).toBe(1);
    raw.close();
    await vi.waitFor(() => expect(running.clock.pendingTimers).toBe(0), { timeout: 5000 });
  });

  it('sends every event, with the same ids, to each of several listeners', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    const listeners = await Promise.all([1, 2, 3].map(() => EventStreamReader.open(running.client)));
    await running.send(APP_READY, NEW_FRAME);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    await endSession({ client: running.client, body: { gracefulShutdown: true } });
    for (const listener of listeners) await listener.next(ENDED_EVENT);
    const seen = listeners.map((l) => l.received.map((e) => `${number(e.id)} ${e.event}`));
    expect(seen[0]).toEqual([`0 readiness`, `1 readiness`, `2 readiness`, `3 ${CREDENTIALS_EVENT}`, `4 ${ENDED_EVENT}`]);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });
});

describe('the local event API answers loopback callers only', () => {
  it.each(['127.0.0.1', '127.5.6.7', '::1', '::ffff:127.0.0.1'])('treats %s as loopback', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '', undefined])('refuses %s', (address) => {
    expect(isLoopback(address)).toBe(false);
  });

  it('takes a caller from the address it connected to as local (the service listening on one outside address)', () => {
    expect(isLocalCaller({ remoteAddress: '10.1.2.3', localAddress: '10.1.2.3' })).toBe(true);
    expect(isLocalCaller({ remoteAddress: '10.1.2.4', localAddress: '10.1.2.3' })).toBe(false);
    expect(isLocalCaller({ remoteAddress: undefined, localAddress: undefined })).toBe(false);
    expect(isLocalCaller({ remoteAddress: '127.0.0.1', localAddress: '127.0.0.1' })).toBe(true);
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
