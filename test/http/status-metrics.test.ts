import { afterEach, describe, expect, it } from 'vitest';
import { endSession, getMetrics, getStatus, setCredentials } from '../../generated/sdk.gen.js';
import { loadSpec } from '../../src/http/spec.js';
import { OPERATIONS_BY_PATH } from '../../src/http/operations.js';
import { APP_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED, NEW_FRAME, SEED_CREDENTIALS, startService, stopServices } from '../support/service.js';

afterEach(stopServices);

/** One sample of the Prometheus text: `name{labels} value`. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('GET /v1/streaming/status', () => {
  it('says why the instance is not ready, and what it has seen, from start-up on', async () => {
    const running = await startService({ waitForSessionReadyEvent: true });
    const { data, response } = await getStatus({ client: running.client });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(data).toEqual({
      ready: false,
      reason: 'APP_NOT_READY',
      statusMessage: 'Status: App not ready',
      phase: 'open',
      startup: { appReady: false, rtxReady: false, sessionReadyEventReceived: false },
      clients: 0,
      resumeSecondsLeft: null,
      sessionSecondsLeft: null,
      firstConnectionSecondsLeft: null,
      idleSecondsLeft: null,
      lastSessionId: null,
      credentialsReceived: false,
      uptimeSeconds: 0,
      settings: {
        quitOnSessionEnded: true,
        resumeTimeoutSeconds: 30,
        waitForSessionReadyEvent: true,
        endSessionOnResumeTimeout: false,
        reconnectWindowSeconds: null,
        port: Number(new URL(running.url).port),
        host: null,
        accessTokenSet: false,
        allowedHosts: null,
        trustedOrigins: null,
        headersTimeoutSeconds: 10,
        requestTimeoutSeconds: 30,
        maxEventStreams: 16,
        appStopGraceSeconds: 10,
        maxSessionSeconds: 0,
        firstConnectionTimeoutSeconds: 0,
        idleTimeoutSeconds: 0,
        idleWarningSeconds: 10,
        drainOnStop: false,
        agones: null,
        agonesHealthPeriodSeconds: 2,
        agonesSessionsCounter: 'sessions',
        agonesClientsList: 'clients',
        webhookUrl: null,
        webhookSecretSet: false,
        webhookSource: null,
        webhookTimeoutSeconds: 10,
        webhookQueueSize: 1000,
        webhookFlushSeconds: 5,
        appReadyWhen: null,
        newFrameWhen: null,
        sessionReadyWhen: null,
      },
    });
  });

  it('follows a session: credentials (never their values), clients, the resume window, the last session id, uptime', async () => {
    const running = await startService({ accessToken: 'status-token-0123456789', quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    running.clock.advanceSeconds(12.5);
    await running.send(CLIENT_DISCONNECTED);
    await endSession({ client: running.client, body: { sessionId: 'abc-123', gracefulShutdown: false } });
    running.clock.advanceSeconds(10);
    const { data, response } = await getStatus({ client: running.client });
    expect(data).toMatchObject({
      ready: true,
      reason: 'AWAITING_RESUME',
      phase: 'awaitingResume',
      startup: { appReady: true, rtxReady: true },
      clients: 0,
      resumeSecondsLeft: 20,
      lastSessionId: 'abc-123',
      credentialsReceived: true,
      uptimeSeconds: 22.5,
      settings: { accessTokenSet: true },
    });
    void response;
    const text = JSON.stringify(data);
    for (const secret of ['status-token-0123456789', SEED_CREDENTIALS.password, SEED_CREDENTIALS.turnDetails!.password, 'turnuser']) expect(text).not.toContain(secret);
  });
});

describe('GET /metrics', () => {
  it('counts readiness, transitions, sessions ended by cause, durations and requests', async () => {
    const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 30 });
    const metrics = async () => {
      const { data, response } = await getMetrics({ client: running.client, parseAs: 'text' });
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return data as string;
    };
    let text = await metrics();
    expect(sample(text, 'livestream_session_ready')).toBe(0);
    expect(sample(text, 'livestream_session_readiness', 'reason="APP_NOT_READY"')).toBe(1);

    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    running.clock.advanceSeconds(90);
    await running.send(CLIENT_DISCONNECTED);
    await endSession({ client: running.client, body: { gracefulShutdown: false } });
    running.clock.advanceSeconds(4);
    await running.send(CLIENT_CONNECTED); // resumed after 4 s
    await endSession({ client: running.client, body: { gracefulShutdown: true } });

    text = await metrics();
    if (process.env.SHOW_METRICS) console.log(text);
    expect(sample(text, 'livestream_session_readiness', 'reason="WAITING_FOR_PREVIOUS_CLIENT"')).toBe(1);
    expect(sample(text, 'livestream_session_readiness_transitions_total', 'from="APP_NOT_READY",to="RTX_NOT_READY"')).toBe(1);
    expect(sample(text, 'livestream_session_readiness_transitions_total', 'from="READY_FOR_CONNECTION",to="AWAITING_RESUME"')).toBe(1);
    expect(sample(text, 'livestream_session_sessions_ended_total', 'cause="GRACEFUL_SHUTDOWN"')).toBe(1);
    expect(sample(text, 'livestream_session_session_duration_seconds_sum')).toBe(94);
    expect(sample(text, 'livestream_session_session_duration_seconds_count')).toBe(1);
    expect(sample(text, 'livestream_session_resume_wait_seconds_sum', 'outcome="resumed"')).toBe(4);
    expect(sample(text, 'livestream_session_http_requests_total', 'method="POST",route="/v1/streaming/endsession",status="200"')).toBe(2);
    expect(sample(text, 'livestream_session_http_requests_total', 'method="POST",route="/v1/streaming/events",status="202"')).toBe(5);
    expect(sample(text, 'livestream_session_clients')).toBe(1);
    // Answers of the fast paths count too: the probes, and credentials taken past Express.
    await fetch(`${running.url}/v1/streaming/ready`);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    text = await metrics();
    expect(sample(text, 'livestream_session_http_requests_total', 'method="GET",route="/v1/streaming/ready",status="503"')).toBe(1);
    expect(sample(text, 'livestream_session_http_requests_total', 'method="POST",route="/v1/streaming/creds",status="200"')).toBe(1);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('counts requests by the paths of the spec', async () => {
    expect([...OPERATIONS_BY_PATH.keys()].sort()).toEqual(Object.keys((loadSpec().document as { paths: object }).paths).sort());
  });

  it('counts unknown paths under one route, so callers cannot grow the label set', async () => {
    const running = await startService();
    for (const path of ['/a', '/b', '/c']) await fetch(running.url + path);
    const { data } = await getMetrics({ client: running.client, parseAs: 'text' });
    expect(sample(data as string, 'livestream_session_http_requests_total', 'method="GET",route="unmatched",status="404"')).toBe(3);
  });
});

describe('metrics without a scrape', () => {
  it('count every session that ends, however many end before a scrape', async () => {
    const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 30 });
    const { session } = running.service;
    running.service.bus.emit(APP_READY);
    running.service.bus.emit(NEW_FRAME);
    const sessions = 3072;
    for (let i = 0; i < sessions; i++) {
      running.service.bus.emit(CLIENT_CONNECTED);
      running.clock.advanceSeconds(2);
      session.endSession({ gracefulShutdown: true });
      running.service.bus.emit(CLIENT_DISCONNECTED);
    }
    const { data } = await getMetrics({ client: running.client, parseAs: 'text' });
    expect(sample(data as string, 'livestream_session_session_duration_seconds_count')).toBe(sessions);
    expect(sample(data as string, 'livestream_session_session_duration_seconds_sum')).toBe(2 * sessions);
  });
});
