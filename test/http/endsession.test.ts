import { afterEach, describe, expect, it } from 'vitest';
import { endSession } from '../../generated/sdk.gen.js';
import { SESSION_ENDED_EVENT } from '../../src/core/events.js';
import { APP_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED, NEW_FRAME, startService, stopServices, type RunningService } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(stopServices);

async function end(running: RunningService, body: { sessionId?: string | null; gracefulShutdown?: boolean | null }) {
  const { response, data } = await endSession({ client: running.client, body });
  expect(response.status).toBe(200);
  return data!.sessionStatus;
}

function countEnded(running: RunningService) {
  const ended: unknown[] = [];
  running.service.bus.on(SESSION_ENDED_EVENT, (payload) => ended.push(payload));
  return ended;
}

describe('POST /v1/streaming/endsession', () => {
  it('ends the session now with gracefulShutdown: true', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    const ended = countEnded(running);
    expect(await end(running, { sessionId: 'session-uuid', gracefulShutdown: true })).toBe('COMPLETE');
    expect(ended).toEqual([{ sessionId: 'session-uuid', cause: 'GRACEFUL_SHUTDOWN' }]);
  });

  it('opens the resume window without gracefulShutdown, and repeated calls do not restart it', async () => {
    const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 30 });
    const ended = countEnded(running);
    expect(await end(running, { gracefulShutdown: false })).toBe('AWAITING_RESUME');
    running.clock.advanceSeconds(20);
    expect(await end(running, { gracefulShutdown: false })).toBe('AWAITING_RESUME');
    running.clock.advanceSeconds(9.999);
    expect(await end(running, {})).toBe('AWAITING_RESUME');
    running.clock.advance(1);
    expect(await end(running, { gracefulShutdown: false })).toBe('COMPLETE');
    expect(ended).toEqual([{ sessionId: null, cause: 'RESUME_TIMEOUT' }]);
  });

  it('ends now when resumeTimeoutSeconds is 0', async () => {
    const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 0 });
    const ended = countEnded(running);
    expect(await end(running, { gracefulShutdown: false })).toBe('COMPLETE');
    expect(ended).toEqual([{ sessionId: null, cause: 'RESUME_DISABLED' }]);
  });

  it('takes an empty object as a non-graceful end', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    expect(await end(running, {})).toBe('AWAITING_RESUME');
  });

  it('is resumed by a client connecting: the next end opens a new window', async () => {
    const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 30 });
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED, CLIENT_DISCONNECTED);
    expect(await end(running, { gracefulShutdown: false })).toBe('AWAITING_RESUME');
    running.clock.advanceSeconds(25);
    await running.send(CLIENT_CONNECTED);
    expect(running.service.readiness().reason).toBe('SESSION_ACTIVE');
    await running.send(CLIENT_DISCONNECTED);
    running.clock.advanceSeconds(25);
    expect(await end(running, { gracefulShutdown: false })).toBe('AWAITING_RESUME');
    expect(running.service.readiness()).toMatchObject({ reason: 'AWAITING_RESUME', resumeSecondsLeft: 30 });
  });

  it('answers COMPLETE again for an ended session and dispatches nothing twice', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    const ended = countEnded(running);
    expect(await end(running, { gracefulShutdown: true })).toBe('COMPLETE');
    expect(await end(running, { gracefulShutdown: true })).toBe('COMPLETE');
    expect(await end(running, { gracefulShutdown: false })).toBe('COMPLETE');
    expect(ended).toHaveLength(1);
  });

  it('dispatches session.ended on the event stream', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    const stream = await EventStreamReader.open(running.client);
    await end(running, { sessionId: 's-1', gracefulShutdown: true });
    expect(await stream.next(SESSION_ENDED_EVENT)).toEqual({ sessionId: 's-1', cause: 'GRACEFUL_SHUTDOWN' });
  });

  it('quits with exit code 0 after the answer has been sent, when quitOnSessionEnded is set', async () => {
    const running = await startService({ quitOnSessionEnded: true });
    const { response, data } = await endSession({ client: running.client, body: { gracefulShutdown: true } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ sessionStatus: 'COMPLETE' });
    expect(response.headers.get('connection')).toBe('close');
    expect(await running.service.exited).toBe(0);
    expect(running.exits).toEqual([0]);
  });

  it('does not quit when quitOnSessionEnded is false', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    await end(running, { gracefulShutdown: true });
    expect(running.exits).toEqual([]);
    expect((await fetch(`${running.url}/v1/streaming/startup`)).status).toBe(200);
  });
});
