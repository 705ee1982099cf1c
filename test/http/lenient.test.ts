// The original's request models are pydantic models with every field optional, read in
// pydantic's default mode (the same in pydantic 1 and 2 for these cases). What it answers
// 200, this service answers 200 too, and the application receives the values normalised.
import { afterEach, describe, expect, it } from 'vitest';
import { STUN_CREDENTIALS_EVENT } from '../../src/core/events.js';
import { raw, SEED_CREDENTIALS, startService, stopServices } from '../support/service.js';

afterEach(stopServices);

const { turnDetails: TURN, ...STUN } = SEED_CREDENTIALS;

interface CredentialsCase {
  body: Record<string, unknown>;
  /** The original's answer. */
  original: 200 | 400;
  /** What the application receives, when accepted. */
  receives?: Record<string, unknown>;
}

const CREDENTIALS: Array<[string, CredentialsCase]> = [
  ['privateSharedPort null', { body: { ...SEED_CREDENTIALS, privateSharedPort: null }, original: 200, receives: { ...STUN, privateSharedPort: undefined, turnDetails: TURN } }],
  ['turnDetails null', { body: { ...STUN, turnDetails: null }, original: 200, receives: STUN }],
  ['stunPort "3478"', { body: { ...SEED_CREDENTIALS, stunPort: '3478' }, original: 200, receives: { ...SEED_CREDENTIALS, stunPort: 3478 } }],
  ['privateSharedPort "49100"', { body: { ...SEED_CREDENTIALS, privateSharedPort: '49100' }, original: 200, receives: SEED_CREDENTIALS }],
  ['every field null', { body: { stunIp: null, stunPort: null, username: null, password: null, privateSharedPort: null, turnDetails: null }, original: 200, receives: {} }],
  ['no field at all', { body: {}, original: 200, receives: {} }],
  ['TURN fields null beside its URIs', { body: { ...STUN, turnDetails: { ...TURN, relayProtocol: null, transportPolicy: null, relayLocation: null } }, original: 200, receives: { ...STUN, turnDetails: { username: TURN!.username, password: TURN!.password, uris: TURN!.uris } } }],
  ['stunPort "34x78"', { body: { ...SEED_CREDENTIALS, stunPort: '34x78' }, original: 400 }],
  ['stunPort ""', { body: { ...SEED_CREDENTIALS, stunPort: '' }, original: 400 }],
  ['stunPort [3478]', { body: { ...SEED_CREDENTIALS, stunPort: [3478] }, original: 400 }],
  ['stunIp 3478 (a number)', { body: { ...SEED_CREDENTIALS, stunIp: 3478 }, original: 400 }],
];

describe('credentials the original accepts', () => {
  it.each(CREDENTIALS)('%s', async (_name, { body, original, receives }) => {
    const running = await startService();
    const dispatched: unknown[] = [];
    running.service.bus.on(STUN_CREDENTIALS_EVENT, (payload) => dispatched.push(payload));
    const answer = await raw(running, { method: 'POST', path: '/v1/streaming/creds', body: JSON.stringify(body), contentType: 'application/json' });
    expect(answer.status).toBe(original);
    if (original === 200) {
      const expected = JSON.parse(JSON.stringify(receives));
      expect(dispatched).toEqual([expected]);
      expect(running.service.session.credentials).toEqual(expected);
      expect(JSON.stringify(dispatched)).not.toContain('null');
    } else {
      expect(answer.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
      expect(dispatched).toEqual([]);
    }
  });
});

const ENDSESSION: Array<[unknown, 'ends' | 'waits' | 400]> = [
  [true, 'ends'],
  [false, 'waits'],
  [null, 'waits'],
  ['true', 'ends'],
  ['True', 'ends'],
  ['false', 'waits'],
  ['FALSE', 'waits'],
  [1, 'ends'],
  [0, 'waits'],
  ['1', 'ends'],
  ['0', 'waits'],
  ['yes', 'ends'],
  ['no', 'waits'],
  ['on', 'ends'],
  ['off', 'waits'],
  ['t', 'ends'],
  ['f', 'waits'],
  ['y', 'ends'],
  ['n', 'waits'],
  ['maybe', 400],
  [2, 400],
  ['', 400],
  [[true], 400],
];

describe('endsession bodies the original accepts', () => {
  it.each(ENDSESSION)('gracefulShutdown %j: %s', async (gracefulShutdown, expected) => {
    const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 30 });
    const answer = await raw(running, { method: 'POST', path: '/v1/streaming/endsession', body: JSON.stringify({ sessionId: null, gracefulShutdown }), contentType: 'application/json' });
    if (expected === 400) {
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(answer.body.message).toContain('gracefulShutdown');
      expect(running.service.state.phase.name).toBe('open');
      return;
    }
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ sessionStatus: expected === 'ends' ? 'COMPLETE' : 'AWAITING_RESUME' });
  });
});
