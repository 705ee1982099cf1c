import { afterEach, describe, expect, it } from 'vitest';
import { setCredentials } from '../../generated/sdk.gen.js';
import { STUN_CREDENTIALS_EVENT } from '../../src/core/events.js';
import { SEED_CREDENTIALS, startService, stopServices } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(stopServices);

describe('POST /v1/streaming/creds', () => {
  it("accepts the seed's example body and answers success", async () => {
    const running = await startService();
    const { response, data } = await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    expect(response.status).toBe(200);
    expect(data).toEqual({ success: true, errorMessage: null });
  });

  it('dispatches stun_credentials with the credentials as payload, on the bus and on the event stream', async () => {
    const running = await startService();
    const onBus: unknown[] = [];
    running.service.bus.on(STUN_CREDENTIALS_EVENT, (payload) => onBus.push(payload));
    const stream = await EventStreamReader.open(running.client);
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    expect(onBus).toEqual([SEED_CREDENTIALS]);
    expect(await stream.next(STUN_CREDENTIALS_EVENT)).toEqual(SEED_CREDENTIALS);
    expect(running.service.session.credentials).toEqual(SEED_CREDENTIALS);
  });

  it('accepts credentials without TURN details', async () => {
    const running = await startService();
    const { stunIp, stunPort, username, password } = SEED_CREDENTIALS;
    const { response } = await setCredentials({ client: running.client, body: { stunIp, stunPort, username, password } });
    expect(response.status).toBe(200);
    expect(running.service.session.credentials).toEqual({ stunIp, stunPort, username, password });
  });

  it('passes unknown fields, at any level, on to the application, and shows them nowhere', async () => {
    const running = await startService();
    const dispatched: unknown[] = [];
    running.service.bus.on(STUN_CREDENTIALS_EVENT, (payload) => dispatched.push(payload));
    const body = {
      ...SEED_CREDENTIALS,
      region: 'eu-unknown-field',
      relay: { weights: [1, 2], secret: 'nested-unknown-secret' },
      turnDetails: { ...SEED_CREDENTIALS.turnDetails!, ttl: 60, hint: 'turn-unknown-field' },
    };
    const { response } = await setCredentials({ client: running.client, body });
    expect(response.status).toBe(200);
    expect(running.service.session.credentials).toEqual(body);
    expect(dispatched).toEqual([body]);
    for (const path of ['/v1/streaming/ready', '/v1/streaming/startup', '/v1/streaming/status', '/metrics']) {
      const text = await (await fetch(running.url + path)).text();
      for (const value of ['eu-unknown-field', 'nested-unknown-secret', 'turn-unknown-field']) expect(text).not.toContain(value);
    }
  });

  it('never echoes the credentials in any read endpoint', async () => {
    const running = await startService();
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    for (const path of ['/v1/streaming/ready', '/v1/streaming/startup']) {
      const text = await (await fetch(running.url + path)).text();
      expect(text).not.toContain('turnpass');
      expect(text).not.toContain('"pass"');
    }
  });

  it('refuses credentials a WebRTC stack would refuse, naming the field, and keeps the previous ones', async () => {
    const running = await startService();
    await setCredentials({ client: running.client, body: SEED_CREDENTIALS });
    const dispatched: unknown[] = [];
    running.service.bus.on(STUN_CREDENTIALS_EVENT, (payload) => dispatched.push(payload));
    const bad = { ...SEED_CREDENTIALS, turnDetails: { ...SEED_CREDENTIALS.turnDetails!, uris: ['stun:stun.example.com'], transportPolicy: 'RELAY' as const } };
    const { response, error } = await setCredentials({ client: running.client, body: bad });
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ success: false, status: 400, code: 'VALIDATION_FAILED', errors: [{ path: '/body/turnDetails/transportPolicy' }] });
    expect((error as { errorMessage: string }).errorMessage).toMatch(/^turnDetails\.transportPolicy is RELAY/);
    const badUri = await setCredentials({ client: running.client, body: { ...SEED_CREDENTIALS, turnDetails: { ...SEED_CREDENTIALS.turnDetails!, uris: ['turn:1.2.3.4:99999'] } } });
    expect(badUri.response.status).toBe(400);
    expect((badUri.error as { errorMessage: string }).errorMessage).toBe('turnDetails.uris.0 has port 99999, outside 1-65535');
    expect(running.service.session.credentials).toEqual(SEED_CREDENTIALS);
    expect(dispatched).toEqual([]);
  });
});
