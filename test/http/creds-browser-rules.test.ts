import { afterEach, describe, expect, it } from 'vitest';
import { setCredentials } from '../../generated/sdk.gen.js';
import type { StreamingCredentials, TurnDetails } from '../../generated/types.gen.js';
import { SEED_CREDENTIALS, startService, stopServices } from '../support/service.js';

afterEach(stopServices);

const withTurn = (details: Partial<TurnDetails>): StreamingCredentials => ({
  ...SEED_CREDENTIALS,
  turnDetails: { ...SEED_CREDENTIALS.turnDetails!, ...details },
});

describe('POST /v1/streaming/creds, by the rules a browser applies', () => {
  it.each([['TURN:192.0.2.1:3478'], ['turn:192.0.2.1:3478?transport=UDP'], ['turn:turn_server.local:3478']])(
    'accepts %s, as Chromium does',
    async (uri) => {
      const running = await startService();
      const body = withTurn({ uris: [uri] });
      const { response } = await setCredentials({ client: running.client, body });
      expect(response.status).toBe(200);
      expect(running.service.session.credentials).toEqual(body);
    },
  );

  it.each([
    ['510 × "x"', 'x'.repeat(510), 510],
    ['300 × "ü"', 'ü'.repeat(300), 600],
  ])('refuses a TURN username of %s, over 509 bytes, naming the field', async (_, username, bytes) => {
    const running = await startService();
    const { response, error } = await setCredentials({ client: running.client, body: withTurn({ username }) });
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ success: false, code: 'VALIDATION_FAILED', errors: [{ path: '/body/turnDetails/username' }] });
    expect((error as { errorMessage: string }).errorMessage).toBe(`turnDetails.username is ${bytes} bytes in UTF-8, over the 509 a browser takes for TURN`);
    expect(running.service.session.credentials).toBeUndefined();
  });

  it('accepts TURN details without username and password when they have no TURN URI', async () => {
    const running = await startService();
    const body: StreamingCredentials = { ...SEED_CREDENTIALS, turnDetails: { uris: ['stun:stun2.example.com:3478'] } };
    expect((await setCredentials({ client: running.client, body })).response.status).toBe(200);
    const { response, error } = await setCredentials({ client: running.client, body: { ...body, turnDetails: { uris: ['turn:1.2.3.4'] } } });
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ errors: [{ path: '/body/turnDetails/username' }, { path: '/body/turnDetails/password' }] });
  });
});
