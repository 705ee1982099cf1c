import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, checkStartup, endSession, getMetrics, getStatus, sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import { FakeClock } from '../../src/core/clock.js';
import { createSessionService, type SessionService } from '../../src/service.js';
import type { Settings } from '../../src/settings/table.js';
import { freePort } from '../support/process.js';
import { APP_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED, NEW_FRAME, SEED_CREDENTIALS, specCheckedClient } from '../support/service.js';
import { sendEvents } from '../support/contract.js';
import { documentedEvents } from './documented.js';
import { Receiver, SECRET } from './receiver.js';

/** Log lines kept, and waited for by message. */
class Lines extends EventEmitter {
  readonly lines: Array<Record<string, unknown> & { level: string; msg?: string }> = [];
  readonly logger = {
    info: (obj: object, msg?: string) => this.#add('info', obj, msg),
    warn: (obj: object, msg?: string) => this.#add('warn', obj, msg),
    error: (obj: object, msg?: string) => this.#add('error', obj, msg),
    debug: (obj: object, msg?: string) => this.#add('debug', obj, msg),
  };

  #add(level: string, obj: object, msg?: string) {
    this.lines.push({ ...obj, level, msg });
    this.emit('line');
  }

  named(msg: string) {
    return this.lines.filter((line) => line.msg === msg);
  }

  /** Resolves once `count` lines with this message were logged; checked on each line, never on a timer. */
  until(msg: string, count = 1): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.named(msg).length < count) return;
        this.off('line', check);
        resolve();
      };
      this.on('line', check);
      check();
    });
  }
}

const FAILED = 'webhook delivery failed; it is tried again with back-off';
const FAILED_AGAIN = 'webhook delivery failed again';
const DELIVERED = 'webhook delivered';

const services: SessionService[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(port?: number): Promise<{ receiver: Receiver; url: string }> {
  const r = new Receiver();
  receivers.push(r);
  return { receiver: r, url: await r.listen(port) };
}

async function start(settings: Partial<Settings>) {
  const clock = new FakeClock();
  const log = new Lines();
  const exits: number[] = [];
  const service = createSessionService({ settings: { webhookSecret: SECRET, ...settings }, clock, logger: log.logger, onExit: (code) => exits.push(code) });
  services.push(service);
  const { url, port } = await service.listen({ host: '127.0.0.1', port: 0 });
  const client = specCheckedClient(url);
  return { service, clock, log, exits, client, port };
}

const TYPE = 'omni.services.livestream.session.';
const webhookCount = (text: string, outcome: string) => Number(new RegExp(`^livestream_session_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

describe('webhooks', () => {
  it('post every event of a session, in order, as signed CloudEvents with the data the operating page documents', async () => {
    const { receiver: r, url } = await receiver();
    const { client, clock, port, exits, service, log } = await start({ webhookUrl: url, resumeTimeoutSeconds: 30 });
    await sendEvents(client, APP_READY, NEW_FRAME);
    await setCredentials({ client, body: SEED_CREDENTIALS });
    await sendEvent({ client, body: { event: CLIENT_CONNECTED, payload: { clientId: 'viewer-1' } } });
    // Time moves once nothing is in flight (moved past webhookTimeoutSeconds, it would time a request out).
    await log.until(DELIVERED, 6);
    clock.advanceSeconds(12);
    await sendEvent({ client, body: { event: CLIENT_DISCONNECTED, payload: { clientId: 'viewer-1' } } });
    await endSession({ client, body: { sessionId: 'portal-42', gracefulShutdown: false } });
    await sendEvent({ client, body: { event: CLIENT_CONNECTED } });
    await log.until(DELIVERED, 11);
    clock.advanceSeconds(3);
    await endSession({ client, body: { sessionId: 'portal-42', gracefulShutdown: true } });
    await service.exited;
    expect(exits).toEqual([0]);

    const events = r.events;
    expect(events.map((e) => [e.type.replace(TYPE, ''), e.data])).toEqual([
      ['readiness_changed', { ready: false, reason: 'RTX_NOT_READY', statusMessage: 'Status: Rtx not ready', previousReason: 'APP_NOT_READY' }],
      ['readiness_changed', { ready: true, reason: 'READY_FOR_CONNECTION', statusMessage: 'Status: Ready for connection', previousReason: 'RTX_NOT_READY' }],
      ['credentials_received', { turn: true }],
      ['started', { clientId: 'viewer-1' }],
      ['client_connected', { clientId: 'viewer-1', clients: 1 }],
      ['readiness_changed', { ready: true, reason: 'SESSION_ACTIVE', statusMessage: 'Status: Streaming session active (keep alive)', previousReason: 'READY_FOR_CONNECTION' }],
      ['client_disconnected', { clientId: 'viewer-1', clients: 0 }],
      ['readiness_changed', { ready: true, reason: 'READY_FOR_CONNECTION', statusMessage: 'Status: Ready for connection', previousReason: 'SESSION_ACTIVE' }],
      ['readiness_changed', { ready: true, reason: 'AWAITING_RESUME', statusMessage: 'Status: Awaiting session resume (keep alive)', previousReason: 'READY_FOR_CONNECTION' }],
      ['client_connected', { clientId: null, clients: 1 }],
      ['readiness_changed', { ready: true, reason: 'SESSION_ACTIVE', statusMessage: 'Status: Streaming session active (keep alive)', previousReason: 'AWAITING_RESUME' }],
      ['ended', { sessionId: 'portal-42', cause: 'GRACEFUL_SHUTDOWN', durationSeconds: 15 }],
      ['readiness_changed', { ready: false, reason: 'SESSION_ENDED', statusMessage: 'Status: Streaming session ended (recycle instance)', previousReason: 'SESSION_ACTIVE' }],
    ]);
    // Each is a CloudEvent 1.0 from this instance, its id the webhook-id, unique.
    const documented = documentedEvents();
    for (const [i, event] of events.entries()) {
      const { headers } = r.requests[i]!;
      expect(headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(event).toMatchObject({ specversion: '1.0', source: `livestream-session://${hostname()}:${port}`, datacontenttype: 'application/json', id: headers['webhook-id'] });
      expect(Date.parse(event.time)).not.toBeNaN();
      const fields = documented.get(event.type);
      expect(fields, `${event.type} is documented`).toBeDefined();
      expect(Object.keys(event.data).sort()).toEqual([...fields!.required].sort());
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(r.refused).toEqual([]);
  });

  it('deliver everything, in order, to a receiver that is down for 5 s and then comes up, trying again with back-off', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hooks`;
    const { client, clock, log } = await start({ webhookUrl: url, quitOnSessionEnded: false });
    await sendEvents(client, APP_READY, NEW_FRAME);
    await setCredentials({ client, body: SEED_CREDENTIALS });
    await log.until(FAILED);
    clock.advanceSeconds(1); // the first retry, 1 s after the first failure
    await log.until(FAILED_AGAIN, 1);
    clock.advanceSeconds(2); // then 2 s later
    await log.until(FAILED_AGAIN, 2);
    await sendEvent({ client, body: { event: CLIENT_CONNECTED, payload: { clientId: 'late' } } });
    clock.advanceSeconds(2);
    const { data: down } = await getStatus({ client });
    expect(down!.webhooks).toEqual([{ url, queued: 6, dropped: 0, lastDelivery: null, lastFailure: { at: expect.any(String), type: `${TYPE}readiness_changed`, id: expect.any(String), error: 'ECONNREFUSED' } }]);

    // 5 s down: the receiver comes up, and the next attempt (4 s after the third failure) takes them all.
    const { receiver: r } = await receiver(port);
    clock.advanceSeconds(2);
    await r.until(() => r.events.length === 6);
    expect(r.events.map((e) => e.type.replace(TYPE, ''))).toEqual(['readiness_changed', 'readiness_changed', 'credentials_received', 'started', 'client_connected', 'readiness_changed']);
    expect(r.requests).toHaveLength(6);
    const { data: up } = await getStatus({ client });
    expect(up!.webhooks![0]).toMatchObject({ queued: 0, lastDelivery: { type: `${TYPE}readiness_changed` }, lastFailure: { error: 'ECONNREFUSED' } });
    const metrics = (await getMetrics({ client, parseAs: 'text' })).data as string;
    expect(webhookCount(metrics, 'failed')).toBe(3);
    expect(webhookCount(metrics, 'delivered')).toBe(6);
    expect(log.named(FAILED)).toHaveLength(1);
    expect(log.named('webhook delivered again after failures')).toHaveLength(1);
  });

  it('try again an event its receiver did not answer within webhookTimeoutSeconds, and deliver it once it does', async () => {
    const { receiver: r, url } = await receiver();
    r.answer = (_received, index) => (index === 0 ? 'hang' : 204);
    const { client, clock, log } = await start({ webhookUrl: url, webhookTimeoutSeconds: 3 });
    await sendEvents(client, APP_READY);
    await r.until(() => r.hanging.length === 1);
    clock.advanceSeconds(3);
    await log.until(FAILED);
    expect(log.named(FAILED)[0]).toMatchObject({ error: 'timed out after 3 s', type: `${TYPE}readiness_changed` });
    clock.advanceSeconds(1);
    await r.until(() => r.events.length === 1);
    // The same event again: same id, same body, so the receiver can tell a repeat.
    expect(r.requests[1]!.headers['webhook-id']).toBe(r.requests[0]!.headers['webhook-id']);
    expect(r.requests[1]!.body).toBe(r.requests[0]!.body);
  });

  it('never slow the endpoints: with a receiver that never answers, the probes, creds, endsession and the event API are answered', async () => {
    const { receiver: r, url } = await receiver();
    r.answer = () => 'hang';
    const { client, log, service } = await start({ webhookUrl: url, quitOnSessionEnded: false, webhookFlushSeconds: 0 });
    await sendEvents(client, APP_READY, NEW_FRAME);
    await r.until(() => r.hanging.length === 1);
    // The receiver holds the first request; everything else waits in the queue, not in the endpoints.
    expect((await checkReady({ client })).response.status).toBe(200);
    expect((await checkStartup({ client })).response.status).toBe(200);
    expect((await setCredentials({ client, body: SEED_CREDENTIALS })).response.status).toBe(200);
    expect((await sendEvent({ client, body: { event: CLIENT_CONNECTED, payload: { clientId: 'c' } } })).response.status).toBe(202);
    expect((await checkReady({ client })).data).toMatchObject({ statusMessage: 'Status: Streaming session active (keep alive)' });
    expect((await endSession({ client, body: { gracefulShutdown: true } })).data).toEqual({ sessionStatus: 'COMPLETE' });
    const { data } = await getStatus({ client });
    expect(data!.webhooks![0]).toMatchObject({ queued: 8, lastDelivery: null, lastFailure: null });
    expect(r.hanging).toHaveLength(1);

    // With no time left to flush, closing gives up at once and says what was not delivered.
    await service.close();
    const [left] = log.named('webhook events not delivered before the service stopped');
    expect(left).toMatchObject({ level: 'warn', url, count: 8 });
    expect((left!.events as Array<{ type: string }>).map((e) => e.type.replace(TYPE, ''))).toEqual([
      'readiness_changed',
      'readiness_changed',
      'credentials_received',
      'started',
      'client_connected',
      'readiness_changed',
      'ended',
      'readiness_changed',
    ]);
  });

  it('drop the oldest waiting events when webhookQueueSize wait, count them, and log that once', async () => {
    const port = await freePort();
    const { client, clock, log } = await start({ webhookUrl: `http://127.0.0.1:${port}/`, webhookQueueSize: 3, quitOnSessionEnded: false });
    await sendEvents(client, APP_READY);
    await log.until(FAILED);
    // The one being tried stays; each new event beyond 3 drops the oldest behind it.
    await sendEvents(client, NEW_FRAME);
    await setCredentials({ client, body: SEED_CREDENTIALS });
    for (let i = 0; i < 3; i++) {
      await sendEvent({ client, body: { event: CLIENT_CONNECTED, payload: { clientId: `c${i}` } } });
      await sendEvent({ client, body: { event: CLIENT_DISCONNECTED, payload: { clientId: `c${i}` } } });
    }
    const { data } = await getStatus({ client });
    expect(data!.webhooks![0]).toMatchObject({ queued: 3 });
    const dropped = data!.webhooks![0]!.dropped;
    expect(dropped).toBe(13);
    expect(log.named('webhook queue full: the oldest waiting events are dropped until it empties (counted in livestream_session_webhook_deliveries_total{outcome="dropped"})')).toHaveLength(1);
    const { receiver: r } = await receiver(port);
    clock.advanceSeconds(1);
    await r.until(() => r.events.length === 3);
    // The first (in flight when the queue filled), then the newest two.
    expect(r.events.map((e) => [e.type.replace(TYPE, ''), e.data.reason ?? e.data.clientId])).toEqual([
      ['readiness_changed', 'RTX_NOT_READY'],
      ['client_disconnected', 'c2'],
      ['readiness_changed', 'READY_FOR_CONNECTION'],
    ]);
    const metrics = (await getMetrics({ client, parseAs: 'text' })).data as string;
    expect(webhookCount(metrics, 'dropped')).toBe(dropped);
  });

  it('deliver what waits when the session ends and the service quits, retrying within webhookFlushSeconds, before it exits', async () => {
    const port = await freePort();
    const { client, clock, log, exits, service } = await start({ webhookUrl: `http://127.0.0.1:${port}/`, webhookFlushSeconds: 5 });
    await sendEvents(client, APP_READY, NEW_FRAME);
    await log.until(FAILED);
    await endSession({ client, body: { gracefulShutdown: true } });
    // Quitting tries at once what waited for its back-off, and failures again every half second.
    await log.until(FAILED_AGAIN, 1);
    expect(exits).toEqual([]);
    const { receiver: r } = await receiver(port);
    clock.advance(500);
    await service.exited;
    expect(exits).toEqual([0]);
    expect(r.events.map((e) => e.type.replace(TYPE, ''))).toEqual(['readiness_changed', 'readiness_changed', 'ended', 'readiness_changed']);
    expect(log.named('webhook events not delivered before the service stopped')).toEqual([]);
  });

  it('give up at webhookFlushSeconds when the receiver stays down, exit all the same, and log and count what was not delivered', async () => {
    const port = await freePort();
    const { client, clock, log, exits, service } = await start({ webhookUrl: `http://127.0.0.1:${port}/`, webhookFlushSeconds: 2 });
    await sendEvents(client, APP_READY);
    await log.until(FAILED);
    await endSession({ client, body: { gracefulShutdown: true } });
    await log.until(FAILED_AGAIN, 1);
    clock.advanceSeconds(2);
    await service.exited;
    expect(exits).toEqual([0]);
    const [left] = log.named('webhook events not delivered before the service stopped');
    // Without a first frame the instance was never ready: the end changes no readiness.
    expect((left!.events as Array<{ type: string }>).map((e) => e.type.replace(TYPE, ''))).toEqual(['readiness_changed', 'ended']);
    const metrics = await service.metrics.render();
    expect(webhookCount(metrics.text, 'undelivered')).toBe(2);
  });

  it('drop, with an error line, an event that cannot be made into a CloudEvent, and go on with the next ones', async () => {
    const { receiver: r, url } = await receiver();
    // Characters a URI may hold, but not a valid URI reference: the CloudEvents library refuses it.
    const { client, log } = await start({ webhookUrl: url, webhookSource: '%zz', quitOnSessionEnded: false });
    await sendEvents(client, APP_READY, NEW_FRAME);
    await log.until('webhook event cannot be made into a CloudEvent: dropped', 2);
    const { data } = await getStatus({ client });
    expect(data!.webhooks![0]).toMatchObject({ queued: 0, dropped: 2, lastDelivery: null, lastFailure: null });
    expect(r.requests).toEqual([]);
  });

  it('post to each receiver webhookUrl names, each on its own queue: one that is down holds up no other', async () => {
    const { receiver: up, url } = await receiver();
    const downUrl = `http://127.0.0.1:${await freePort()}/`;
    const { client, service } = await start({ webhookUrl: `${downUrl}, ${url}`, quitOnSessionEnded: false, webhookFlushSeconds: 0 });
    await sendEvents(client, APP_READY, NEW_FRAME);
    await up.until(() => up.events.length === 2);
    expect(service.settings.webhookUrl).toBe(`${downUrl}, ${url}`);
    const { data } = await getStatus({ client });
    expect(data!.webhooks!.map((w) => [w.url, w.queued])).toEqual([
      [downUrl, 2],
      [url, 0],
    ]);
  });
});
