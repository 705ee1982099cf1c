import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, endSession, getMetrics, getStatus, setCredentials } from '../../generated/sdk.gen.js';
import { APP_READY, CLIENT_CONNECTED, NEW_FRAME, SEED_CREDENTIALS, startService, stopServices, type RunningService } from '../support/service.js';

afterEach(stopServices);

const USER_INPUT = 'omni.services.livestream.session.user_input';

async function metricsText(running: RunningService): Promise<string> {
  const { data } = await getMetrics({ client: running.client, parseAs: 'text' });
  return data as string;
}

const endedTotal = (text: string, cause: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`livestream_session_sessions_ended_total{cause="${cause}"} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

describe('the session policies over HTTP', () => {
  it('show the seconds left of each on /v1/streaming/status, and the settings with them', async () => {
    const running = await startService({ maxSessionSeconds: 600, firstConnectionTimeoutSeconds: 120, quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME);
    const policies = async () => {
      const { data } = await getStatus({ client: running.client });
      return { sessionSecondsLeft: data?.sessionSecondsLeft, firstConnectionSecondsLeft: data?.firstConnectionSecondsLeft, settings: data?.settings };
    };
    expect(await policies()).toMatchObject({ sessionSecondsLeft: null, firstConnectionSecondsLeft: null, settings: { maxSessionSeconds: 600, firstConnectionTimeoutSeconds: 120 } });
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    running.clock.advanceSeconds(20.5);
    expect(await policies()).toMatchObject({ sessionSecondsLeft: null, firstConnectionSecondsLeft: 100 });
    await running.send(CLIENT_CONNECTED);
    running.clock.advanceSeconds(100);
    expect(await policies()).toMatchObject({ sessionSecondsLeft: 500, firstConnectionSecondsLeft: null });
  });

  it('count sessions ended by MAX_SESSION_LENGTH and NO_CLIENT_CONNECTED in sessions_ended_total', async () => {
    const running = await startService({ maxSessionSeconds: 60, firstConnectionTimeoutSeconds: 30, quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    running.clock.advanceSeconds(30);
    await running.send(CLIENT_CONNECTED); // a new session begins
    running.clock.advanceSeconds(60);
    const text = await metricsText(running);
    expect(endedTotal(text, 'NO_CLIENT_CONNECTED')).toBe(1);
    expect(endedTotal(text, 'MAX_SESSION_LENGTH')).toBe(1);
    expect(running.exits).toEqual([]);
  });

  it('show the idle seconds left, restarted by user input sent to the event API, and count IDLE_TIMEOUT in sessions_ended_total', async () => {
    const running = await startService({ idleTimeoutSeconds: 60, idleWarningSeconds: 10, quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME);
    const idle = async () => {
      const { data } = await getStatus({ client: running.client });
      return { idleSecondsLeft: data?.idleSecondsLeft, settings: data?.settings };
    };
    expect(await idle()).toMatchObject({ idleSecondsLeft: null, settings: { idleTimeoutSeconds: 60, idleWarningSeconds: 10 } });
    await running.send(CLIENT_CONNECTED);
    running.clock.advanceSeconds(45);
    expect((await idle()).idleSecondsLeft).toBe(15);
    await running.send(USER_INPUT);
    expect((await idle()).idleSecondsLeft).toBe(60);
    running.clock.advanceSeconds(60);
    expect((await idle()).idleSecondsLeft).toBeNull();
    expect(endedTotal(await metricsText(running), 'IDLE_TIMEOUT')).toBe(1);
    expect(running.exits).toEqual([]);
  });

  it('count a drain in sessions_ended_total{cause="SHUTDOWN"}, and readiness answers 503 SHUTTING_DOWN', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    await running.service.session.drain(10);
    const { response, error } = await checkReady({ client: running.client });
    expect(response.status).toBe(503);
    expect(error).toEqual({ statusMessage: 'Status: Streaming session ended (recycle instance)', reason: 'SHUTTING_DOWN' });
    expect((await endSession({ client: running.client, body: { gracefulShutdown: true } })).data).toEqual({ sessionStatus: 'COMPLETE' });
    expect(endedTotal(await metricsText(running), 'SHUTDOWN')).toBe(1);
    expect(running.exits).toEqual([]);
  });
});
