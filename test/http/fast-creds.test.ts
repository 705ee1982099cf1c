import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../src/app.js';
import { RequestOutcomes } from '../../src/http/request-log.js';
import { CredentialsFastPath } from '../../src/http/fast-creds.js';
import { InflightRequests } from '../../src/http/inflight.js';
import { loadSpec } from '../../src/http/spec.js';
import { SEED_CREDENTIALS, silentLogger, startService, stopServices, type RunningService } from '../support/service.js';
import { closeServers, serve } from '../support/serve.js';

afterEach(async () => {
  await closeServers();
  await stopServices();
});


function post(port: number, body: Buffer | string, contentType = 'application/json'): Promise<{ status: number; headers: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/streaming/creds', agent: false, headers: { 'content-type': contentType } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i] !== 'Date') headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode!, headers, body: text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The fast path in front of the Express app, and the Express app alone, for one session. */
async function sideBySide(running: RunningService) {
  const app = await running.service.app();
  const fast = CredentialsFastPath.create({
    spec: loadSpec().document,
    session: running.service.session,
    inflight: new InflightRequests(),
    bodyLimit: BODY_LIMIT_BYTES,
    hasAccess: () => true,
    outcomes: new RequestOutcomes(silentLogger, running.service.metrics),
  });
  expect(fast).toBeDefined();
  const fallback = vi.fn((req: IncomingMessage, res: ServerResponse) => void app(req, res));
  const fastPort = await serve((req, res) => {
    if (!fast!.handle(req, res, fallback)) app(req, res);
  });
  const expressPort = await serve(app);
  const session = running.service.session;
  /** Posts the body to both; each time from the same credentials before, and says what each stored. */
  async function both(body: Buffer | string, contentType?: string) {
    session.setCredentials({ stunIp: 'before', stunPort: 1, username: '', password: '' });
    fallback.mockClear();
    const viaFast = await post(fastPort, body, contentType);
    const storedFast = session.credentials;
    const tookFastPath = fallback.mock.calls.length === 0;
    session.setCredentials({ stunIp: 'before', stunPort: 1, username: '', password: '' });
    const viaExpress = await post(expressPort, body, contentType);
    return { viaFast, viaExpress, storedFast, storedExpress: session.credentials, tookFastPath };
  }
  return { both };
}

const json = (value: unknown) => JSON.stringify(value);
const { turnDetails: _, ...withoutTurn } = SEED_CREDENTIALS;

describe('POST /v1/streaming/creds past Express', () => {
  it.each([
    ['the seed example', json(SEED_CREDENTIALS), 'application/json'],
    ['no TURN details', json(withoutTurn), 'application/json'],
    ['unknown extra fields', json({ ...SEED_CREDENTIALS, region: 'eu', turnDetails: { ...SEED_CREDENTIALS.turnDetails, ttl: 60 } }), 'application/json'],
    ['the widest values', json({ ...SEED_CREDENTIALS, stunIp: `${'a'.repeat(63)}.`.repeat(16), stunPort: 65535, privateSharedPort: 1, username: '' }), 'application/json'],
    ['a charset', json(SEED_CREDENTIALS), 'application/json; charset=utf-8'],
    ['a capitalised media type', json(SEED_CREDENTIALS), 'Application/JSON'],
  ])('accepts %s on the fast path, as Express does', async (_name, body, type) => {
    const running = await startService();
    const { both } = await sideBySide(running);
    const r = await both(body, type);
    expect(r.tookFastPath).toBe(true);
    expect(r.viaFast).toEqual(r.viaExpress);
    expect(r.viaFast.status).toBe(200);
    expect(r.storedFast).toEqual(r.storedExpress);
    expect(r.storedFast).toEqual(JSON.parse(body).region ? { ...SEED_CREDENTIALS } : JSON.parse(body));
  });

  it.each([
    ['a string port', json({ ...SEED_CREDENTIALS, stunPort: '3478' })],
    ['port 0', json({ ...SEED_CREDENTIALS, stunPort: 0 })],
    ['a fractional port', json({ ...SEED_CREDENTIALS, stunPort: 3478.5 })],
    ['no password', json({ stunIp: 'a', stunPort: 1, username: 'u' })],
    ['an empty STUN host', json({ ...SEED_CREDENTIALS, stunIp: '' })],
    ['an unknown transport policy', json({ ...SEED_CREDENTIALS, turnDetails: { ...SEED_CREDENTIALS.turnDetails, transportPolicy: 'SOMETIMES' } })],
    ['no TURN uris', json({ ...SEED_CREDENTIALS, turnDetails: { ...SEED_CREDENTIALS.turnDetails, uris: [] } })],
    ['a null username', json({ ...SEED_CREDENTIALS, username: null })],
    ['an array', '[]'],
    ['a string', '"credentials"'],
    ['malformed JSON', '{"stunIp": '],
    ['leading white space', ` \n${json(SEED_CREDENTIALS)}`],
    ['a byte order mark', `\uFEFF${json(SEED_CREDENTIALS)}`],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('{"stunIp":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","stunPort":3478,"username":"u","password":"p"}')])],
  ])('leaves %s to the body parser and the validator, which answer as they always did', async (_name, body) => {
    const running = await startService();
    const { both } = await sideBySide(running);
    const r = await both(body);
    expect(r.viaFast).toEqual(r.viaExpress);
    expect(r.storedFast).toEqual(r.storedExpress);
    if (r.viaFast.status !== 200) expect(r.tookFastPath).toBe(false);
  });

  it('answers any body as Express does and stores the same credentials', async () => {
    const running = await startService();
    const { both } = await sideBySide(running);
    const value = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -2, max: 70000 }), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));
    const turn = fc.record(
      { username: fc.oneof(fc.string(), value), password: fc.oneof(fc.string(), value), uris: fc.oneof(fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), value), transportPolicy: fc.oneof(fc.constantFrom('ALL', 'RELAY', 'DIRECT'), value), extra: value },
      { requiredKeys: [] },
    );
    const body = fc.record(
      {
        stunIp: fc.oneof(fc.string({ minLength: 0, maxLength: 8 }), value),
        stunPort: fc.oneof(fc.integer({ min: 1, max: 65535 }), value),
        username: fc.oneof(fc.string(), value),
        password: fc.oneof(fc.string(), value),
        privateSharedPort: fc.oneof(fc.integer({ min: 0, max: 65536 }), value),
        turnDetails: fc.oneof(turn, value),
        extra: value,
      },
      { requiredKeys: [] },
    );
    const valid = fc.record(
      {
        // Valid for WebRTC too (a host, STUN/TURN URIs, TURN credentials), so that these take the fast path.
        stunIp: fc.oneof(fc.domain(), fc.ipV4()),
        stunPort: fc.integer({ min: 1, max: 65535 }),
        username: fc.string(),
        password: fc.string(),
        privateSharedPort: fc.integer({ min: 1, max: 65535 }),
        turnDetails: fc.record({
          username: fc.string({ minLength: 1 }),
          password: fc.string({ minLength: 1 }),
          uris: fc.array(fc.constantFrom('stun:stun.example.com', 'turn:1.2.3.4:3478', 'turns:turn.example.com:443?transport=tcp'), { minLength: 1, maxLength: 3 }),
          relayLocation: fc.constantFrom('CSP', 'GFN'),
        }),
        extra: value,
      },
      { requiredKeys: ['stunIp', 'stunPort', 'username', 'password'] },
    );
    let fastOnes = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(valid, body), async (credentials) => {
        const r = await both(json(credentials));
        expect(r.viaFast).toEqual(r.viaExpress);
        expect(r.storedFast).toEqual(r.storedExpress);
        if (r.tookFastPath) fastOnes++;
      }),
      { numRuns: 150 },
    );
    expect(fastOnes).toBeGreaterThan(0);
  });
});
