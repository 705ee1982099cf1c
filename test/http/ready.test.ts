import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, checkStartup, endSession } from '../../generated/sdk.gen.js';
import {
  APP_READY,
  CLIENT_CONNECTED,
  CLIENT_DISCONNECTED,
  NEW_FRAME,
  SESSION_READY,
  startService,
  stopServices,
  type RunningService,
} from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(stopServices);

async function ready(running: RunningService) {
  const { response, data, error } = await checkReady({ client: running.client });
  return { status: response.status, body: data ?? error, headers: response.headers };
}

describe('GET /v1/streaming/startup', () => {
  it('answers 200 whatever the state of the application', async () => {
    const running = await startService();
    const { response, data } = await checkStartup({ client: running.client });
    expect(response.status).toBe(200);
    expect(data).toEqual({ statusMessage: 'Status: Startup endpoint OK' });
    expect((await ready(running)).status).toBe(503);
  });
});

describe('GET /v1/streaming/ready', () => {
  it('says the app is not ready until the app-ready event', async () => {
    const running = await startService();
    expect(await ready(running)).toMatchObject({ status: 503, body: { statusMessage: 'Status: App not ready', reason: 'APP_NOT_READY' } });
  });

  it('says RTX is not ready until the first frame', async () => {
    const running = await startService();
    await running.send(APP_READY);
    expect(await ready(running)).toMatchObject({ status: 503, body: { statusMessage: 'Status: Rtx not ready', reason: 'RTX_NOT_READY' } });
  });

  it('is ready for connection after app-ready and the first frame', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    expect(await ready(running)).toEqual(
      expect.objectContaining({ status: 200, body: { statusMessage: 'Status: Ready for connection', reason: 'READY_FOR_CONNECTION' } }),
    );
  });

  it('waits for the session-ready event when waitForSessionReadyEvent is set', async () => {
    const running = await startService({ waitForSessionReadyEvent: true });
    await running.send(APP_READY, NEW_FRAME);
    expect(await ready(running)).toMatchObject({
      status: 503,
      body: { statusMessage: 'Status: Session ready event not received', reason: 'SESSION_READY_EVENT_NOT_RECEIVED' },
    });
    await running.send(SESSION_READY);
    expect(await ready(running)).toMatchObject({ status: 200, body: { statusMessage: 'Status: Ready for connection' } });
  });

  it('keeps the instance alive while a client is connected', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    expect(await ready(running)).toMatchObject({
      status: 200,
      body: { statusMessage: 'Status: Streaming session active (keep alive)', reason: 'SESSION_ACTIVE' },
    });
  });

  it('keeps the instance alive while awaiting resume, with the seconds left', async () => {
    const running = await startService({ resumeTimeoutSeconds: 30 });
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED, CLIENT_DISCONNECTED);
    await endSession({ client: running.client, body: { gracefulShutdown: false } });
    running.clock.advanceSeconds(12);
    expect(await ready(running)).toMatchObject({
      status: 200,
      body: { statusMessage: 'Status: Awaiting session resume (keep alive)', reason: 'AWAITING_RESUME', resumeSecondsLeft: 18 },
    });
  });

  it('waits for the previous client to disconnect after a session ended without quitting', async () => {
    const running = await startService({ quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    await endSession({ client: running.client, body: { gracefulShutdown: true } });
    expect(await ready(running)).toMatchObject({
      status: 503,
      body: { statusMessage: 'Status: Waiting for previous client to disconnect', reason: 'WAITING_FOR_PREVIOUS_CLIENT' },
    });
    await running.send(CLIENT_DISCONNECTED);
    expect(await ready(running)).toMatchObject({ status: 200, body: { statusMessage: 'Status: Ready for connection' } });
  });

  it('asks to recycle the instance once a session ended with quitOnSessionEnded', async () => {
    const running = await startService({ quitOnSessionEnded: true });
    await running.send(APP_READY, NEW_FRAME);
    // Readiness is read through the library here: the quit closes the HTTP server.
    await endSession({ client: running.client, body: { gracefulShutdown: true } });
    expect(running.service.readiness()).toMatchObject({
      httpStatus: 503,
      statusMessage: 'Status: Streaming session ended (recycle instance)',
      reason: 'SESSION_ENDED',
    });
  });

  it('tells event-stream listeners to recycle the instance, then closes their streams on quit', async () => {
    const running = await startService({ quitOnSessionEnded: true });
    await running.send(APP_READY, NEW_FRAME);
    const stream = await EventStreamReader.open(running.client);
    await endSession({ client: running.client, body: { gracefulShutdown: true } });
    expect(await stream.next('readiness', (r) => r.reason === 'SESSION_ENDED')).toEqual({
      httpStatus: 503,
      statusMessage: 'Status: Streaming session ended (recycle instance)',
      reason: 'SESSION_ENDED',
    });
    await stream.done;
    expect(stream.closed).toBe(true);
    expect(running.exits).toEqual([0]);
  });
});
