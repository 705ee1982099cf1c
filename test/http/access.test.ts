import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, checkStartup, endSession, getMetrics, getStatus, sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import { APP_READY, NEW_FRAME, SEED_CREDENTIALS, specCheckedClient, startService, stopServices } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';

afterEach(stopServices);

const TOKEN = 'correct-horse-battery-staple-7f3a';

describe('the access token', () => {
  it('is off by default: the guarded operations answer without one, as the original', async () => {
    const running = await startService();
    expect((await setCredentials({ client: running.client, body: SEED_CREDENTIALS })).response.status).toBe(200);
    expect((await endSession({ client: running.client, body: { gracefulShutdown: false } })).response.status).toBe(200);
  });

  it('is needed on creds, endsession and the event API once set: 401 in the shared shape, nothing changes', async () => {
    const running = await startService({ accessToken: TOKEN, quitOnSessionEnded: false });
    const anonymous = specCheckedClient(running.url);
    const wrong = specCheckedClient(running.url, 'correct-horse-battery-staple-7f3b');
    for (const [client, says] of [
      [anonymous, 'needs an access token'],
      [wrong, 'The access token is wrong'],
    ] as const) {
      const creds = await setCredentials({ client, body: SEED_CREDENTIALS });
      expect(creds.response.status).toBe(401);
      expect(creds.response.headers.get('www-authenticate')).toBe('Bearer realm="livestream-session"');
      expect(creds.error).toMatchObject({ success: false, status: 401, code: 'UNAUTHORIZED' });
      expect((creds.error as { errorMessage: string }).errorMessage).toContain(says);
      const end = await endSession({ client, body: { gracefulShutdown: true } });
      expect(end.response.status).toBe(401);
      expect(end.error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      expect((await sendEvent({ client, body: { event: APP_READY } })).response.status).toBe(401);
    }
    const stream = await fetch(`${running.url}/v1/streaming/events`);
    expect(stream.status).toBe(401);
    expect(await stream.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(running.service.state).toMatchObject({ appReady: false, credentialsReceived: false, phase: { name: 'open' } });
  });

  it('lets the right token through, on every guarded operation', async () => {
    const running = await startService({ accessToken: TOKEN, quitOnSessionEnded: false });
    await running.send(APP_READY, NEW_FRAME);
    const stream = await EventStreamReader.open(running.client);
    expect((await setCredentials({ client: running.client, body: SEED_CREDENTIALS })).response.status).toBe(200);
    expect(await stream.next('omni.services.livestream.session.stun_credentials')).toEqual(SEED_CREDENTIALS);
    expect((await endSession({ client: running.client, body: { gracefulShutdown: true } })).data).toEqual({ sessionStatus: 'COMPLETE' });
    stream.close();
  });

  it('leaves the probes, the docs, status and metrics open', async () => {
    const running = await startService({ accessToken: TOKEN });
    const anonymous = specCheckedClient(running.url);
    expect((await checkReady({ client: anonymous })).response.status).toBe(503);
    expect((await checkStartup({ client: anonymous })).response.status).toBe(200);
    expect((await getStatus({ client: anonymous })).response.status).toBe(200);
    expect((await getMetrics({ client: anonymous, parseAs: 'text' })).response.status).toBe(200);
    expect((await fetch(`${running.url}/docs/`)).status).toBe(200);
  });

  it('accepts the scheme name in any case and refuses other schemes', async () => {
    const running = await startService({ accessToken: TOKEN });
    const post = (authorization: string) =>
      fetch(`${running.url}/v1/streaming/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ event: APP_READY }) });
    expect((await post(`bearer ${TOKEN}`)).status).toBe(202);
    expect((await post(`Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`)).status).toBe(401);
    expect((await post(`Bearer ${TOKEN} extra`)).status).toBe(401);
    expect((await post(`Bearer ${TOKEN.slice(0, -1)}`)).status).toBe(401);
  });

  it('reads no body from a caller without the token', async () => {
    const running = await startService({ accessToken: TOKEN });
    // Oversize and malformed: without the token, the answer is 401 all the same.
    const res = await fetch(`${running.url}/v1/streaming/creds`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"x": "${'y'.repeat(100_000)}` });
    expect(res.status).toBe(401);
  });

  it('opens the event API to callers beyond loopback that carry the token', async () => {
    // A caller over a unix socket has no loopback address, like a remote one.
    const running = await startService({ accessToken: TOKEN });
    const socketPath = `/tmp/livestream-session-access-${process.pid}-${Date.now()}.sock`;
    const unix = createHttpServer(running.service.handler);
    await new Promise<void>((resolve) => unix.listen(socketPath, resolve));
    try {
      const post = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest({ socketPath, path: '/v1/streaming/events', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          req.on('error', reject);
          req.end(JSON.stringify({ event: APP_READY }));
        });
      expect(await post({})).toBe(401);
      expect(await post({ authorization: `Bearer ${TOKEN}` })).toBe(202);
    } finally {
      await new Promise((resolve) => unix.close(resolve));
    }
  });
});
