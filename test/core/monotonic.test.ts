// The session measures time on a monotonic scale: setting the system clock (NTP stepping
// it, an operator fixing the date, a VM resumed from a snapshot) moves neither the resume
// window nor the other clocks the session reads.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkReady, endSession, getStatus, sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import { createSystemClock } from '../../src/core/clock.js';
import { createSessionService, type SessionService } from '../../src/service.js';
import type { Settings } from '../../src/settings/table.js';
import { APP_READY, CLIENT_CONNECTED, NEW_FRAME, SEED_CREDENTIALS, silentLogger, specCheckedClient } from '../support/service.js';
import { sendEvents } from '../support/contract.js';

const HOUR_MS = 3_600_000;

const services: SessionService[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(services.splice(0).map((s) => s.close()));
});

/** Only the wall clock (Date) is under the test's control; timers and performance.now() are the real ones. */
function controlWallClock() {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now());
}

/** Moves the wall clock by `ms` at once, and checks that it moved. */
function jumpWallClock(ms: number) {
  const before = Date.now();
  vi.setSystemTime(before + ms);
  expect(Date.now() - before).toBe(ms);
  expect(new Date().getTime() - before).toBe(ms);
}

/** A service on the system clock it makes for itself (no clock injected), on a free loopback port. */
async function serviceOnSystemClock(settings: Partial<Settings>) {
  const exits: number[] = [];
  const service = createSessionService({ settings, logger: silentLogger, onExit: (code) => exits.push(code) });
  services.push(service);
  const { url } = await service.listen({ host: '127.0.0.1', port: 0 });
  const client = specCheckedClient(url);
  await sendEvents(client, APP_READY, NEW_FRAME);
  return { service, client, exits };
}

describe('the system clock', () => {
  it('reads performance.now(), so a wall-clock jump forward does not move it', () => {
    controlWallClock();
    const clock = createSystemClock();
    const low = performance.now();
    const before = clock.now();
    jumpWallClock(HOUR_MS);
    const after = clock.now();
    const high = performance.now();
    expect(before).toBeGreaterThanOrEqual(low);
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after).toBeLessThanOrEqual(high);
  });

  it('never goes back when the wall clock is set back a day', () => {
    controlWallClock();
    const clock = createSystemClock();
    const before = clock.now();
    jumpWallClock(-24 * HOUR_MS);
    const after = clock.now();
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after).toBeLessThanOrEqual(performance.now());
  });
});

describe('a service on the system clock', () => {
  it('keeps its resume window open when the wall clock jumps an hour forward', async () => {
    controlWallClock();
    const { service, client } = await serviceOnSystemClock({ resumeTimeoutSeconds: 30, quitOnSessionEnded: false });
    expect((await endSession({ client, body: { gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'AWAITING_RESUME' });
    jumpWallClock(HOUR_MS);
    // The window is checked when endsession comes again: an hour has not passed for the session.
    expect((await endSession({ client, body: { gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'AWAITING_RESUME' });
    const status = (await getStatus({ client })).data!;
    expect(status.phase).toBe('awaitingResume');
    expect(status.resumeSecondsLeft).toBeGreaterThan(0);
    expect(status.resumeSecondsLeft).toBeLessThanOrEqual(30);
    expect(status.uptimeSeconds).toBeLessThan(HOUR_MS / 1000);
    const ready = await checkReady({ client });
    expect(ready.response.status).toBe(200);
    expect(ready.data?.statusMessage).toBe('Status: Awaiting session resume (keep alive)');
    expect(service.state.phase.name).toBe('awaitingResume');
  });

  it('keeps the session and first-connection clocks when the wall clock jumps an hour forward', async () => {
    controlWallClock();
    const { client } = await serviceOnSystemClock({ maxSessionSeconds: 600, firstConnectionTimeoutSeconds: 600, quitOnSessionEnded: false });
    expect((await setCredentials({ client, body: SEED_CREDENTIALS })).response.status).toBe(200);
    jumpWallClock(HOUR_MS);
    expect((await getStatus({ client })).data).toMatchObject({ phase: 'open', firstConnectionSecondsLeft: expect.toSatisfy((s: number) => s > 0 && s <= 600) });
    expect((await sendEvent({ client, body: { event: CLIENT_CONNECTED } })).response.status).toBe(202);
    jumpWallClock(HOUR_MS);
    expect((await getStatus({ client })).data).toMatchObject({ phase: 'open', clients: 1, sessionSecondsLeft: expect.toSatisfy((s: number) => s > 0 && s <= 600) });
  });

  it('ends its resume window on time when the wall clock is set back an hour', async () => {
    controlWallClock();
    const { client } = await serviceOnSystemClock({ resumeTimeoutSeconds: 1, quitOnSessionEnded: false });
    expect((await endSession({ client, body: { gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'AWAITING_RESUME' });
    jumpWallClock(-HOUR_MS);
    // NVCF polls endsession through its reconnect window; the one-second window runs out
    // in a second of real time, not in an hour and a second.
    await vi.waitFor(
      async () => expect((await endSession({ client, body: { gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'COMPLETE' }),
      { timeout: 10_000, interval: 100 },
    );
  });
});
