import { describe, expect, it } from 'vitest';
import { credentialsProblems, readCredentials } from '../../src/core/credentials.js';
import type { StreamingCredentials, StreamingCredentialsRequest, TurnDetails } from '../../generated/types.gen.js';
import { SEED_CREDENTIALS } from '../support/fixtures.js';

const turn = SEED_CREDENTIALS.turnDetails!;
const withTurn = (details: Partial<TurnDetails>): StreamingCredentials => ({ ...SEED_CREDENTIALS, turnDetails: { ...turn, ...details } });
const paths = (credentials: StreamingCredentials) => credentialsProblems(credentials).map((p) => p.path);

describe('credentials, checked as a browser checks their ICE configuration', () => {
  it("finds nothing wrong with the seed's example", () => {
    expect(credentialsProblems(SEED_CREDENTIALS)).toEqual([]);
  });

  it('accepts what browsers accept: any-case schemes, ?transport=UDP, host names with _', () => {
    expect(paths(withTurn({ uris: ['TURN:192.0.2.1:3478'] }))).toEqual([]);
    expect(paths(withTurn({ uris: ['turn:192.0.2.1:3478?transport=UDP'] }))).toEqual([]);
    expect(paths(withTurn({ uris: ['turn:turn_server.local:3478'] }))).toEqual([]);
    expect(paths({ ...SEED_CREDENTIALS, stunIp: 'stun_server.local' })).toEqual([]);
  });

  it('refuses a TURN username over 509 bytes in UTF-8, as browsers do', () => {
    expect(paths(withTurn({ username: 'x'.repeat(509) }))).toEqual([]);
    expect(paths(withTurn({ username: 'x'.repeat(510) }))).toEqual(['/turnDetails/username']);
    expect(paths(withTurn({ username: 'ü'.repeat(300) }))).toEqual(['/turnDetails/username']);
    expect(credentialsProblems(withTurn({ username: 'ü'.repeat(300) }))[0]!.message).toContain('600 bytes');
  });

  it('takes any TURN username when there is no TURN URI, as browsers do', () => {
    expect(paths(withTurn({ uris: ['stun:stun2.example.com'], username: 'x'.repeat(600) }))).toEqual([]);
  });

  it('points at each bad URI by its index', () => {
    expect(paths(withTurn({ uris: ['turn:1.2.3.4:3478', 'nope', 'stun:x?transport=tcp'] }))).toEqual(['/turnDetails/uris/1', '/turnDetails/uris/2']);
  });

  it('needs a TURN URI for a relay-only policy', () => {
    const problems = credentialsProblems(withTurn({ uris: ['stun:stun.example.com'], transportPolicy: 'RELAY' }));
    expect(problems).toEqual([{ path: '/turnDetails/transportPolicy', message: expect.stringContaining('RELAY') }]);
    expect(credentialsProblems(withTurn({ transportPolicy: 'RELAY' }))).toEqual([]);
  });

  it('checks the TURN URIs under a DIRECT policy too', () => {
    expect(paths(withTurn({ uris: ['turn:1.2.3.4:99999'], transportPolicy: 'DIRECT' }))).toEqual(['/turnDetails/uris/0']);
  });

  it('needs a TURN username and password, neither empty, when TURN URIs are given, and not otherwise', () => {
    expect(paths(withTurn({ username: '', password: '' }))).toEqual(['/turnDetails/username', '/turnDetails/password']);
    expect(paths({ ...SEED_CREDENTIALS, turnDetails: { uris: ['turn:1.2.3.4'] } })).toEqual(['/turnDetails/username', '/turnDetails/password']);
    expect(paths(withTurn({ uris: ['stun:stun.example.com'], username: '', password: '' }))).toEqual([]);
    expect(paths({ ...SEED_CREDENTIALS, turnDetails: { uris: ['stun:stun.example.com'] } })).toEqual([]);
  });

  it('refuses a STUN host that makes no STUN URL: with a scheme, a port, a space', () => {
    expect(paths({ ...SEED_CREDENTIALS, stunIp: 'stun:stun.example.com' })).toEqual(['/stunIp']);
    expect(paths({ ...SEED_CREDENTIALS, stunIp: 'stun.example.com:3478' })).toEqual(['/stunIp']);
    expect(paths({ ...SEED_CREDENTIALS, stunIp: 'a b' })).toEqual(['/stunIp']);
    expect(paths({ ...SEED_CREDENTIALS, stunIp: '2001:db8::1' })).toEqual([]);
    expect(paths({ ...SEED_CREDENTIALS, stunIp: '[2001:db8::1]' })).toEqual([]);
  });
});

describe('a credentials body, read as the original reads it', () => {
  const { turnDetails: TURN, ...STUN } = SEED_CREDENTIALS;
  const accepted = (body: StreamingCredentialsRequest) => {
    const outcome = readCredentials(body);
    if (!outcome.accepted) throw new Error(`refused: ${JSON.stringify(outcome.problems)}`);
    return outcome.credentials;
  };

  it("accepts the seed's example as it is", () => {
    expect(readCredentials(SEED_CREDENTIALS)).toEqual({ accepted: true, credentials: SEED_CREDENTIALS });
  });

  it('takes null as absent, leaving no null and no undefined in what the application gets', () => {
    const read = accepted({ stunIp: null, stunPort: null, username: null, password: null, privateSharedPort: null, turnDetails: null });
    expect(read).toStrictEqual({});
    expect(Object.keys(accepted({ ...SEED_CREDENTIALS, privateSharedPort: null, turnDetails: null }))).toEqual(['stunIp', 'stunPort', 'username', 'password']);
  });

  it('takes null as absent inside turnDetails too', () => {
    const read = accepted({ ...STUN, turnDetails: { ...TURN, relayProtocol: null, transportPolicy: null, relayLocation: null } });
    expect(read.turnDetails).toStrictEqual({ username: TURN!.username, password: TURN!.password, uris: TURN!.uris });
  });

  it('reads ports given as strings of digits as integers', () => {
    expect(accepted({ ...SEED_CREDENTIALS, stunPort: '3478', privateSharedPort: '49100' })).toStrictEqual({ ...SEED_CREDENTIALS, stunPort: 3478, privateSharedPort: 49100 });
  });

  it('keeps unknown fields, at the top and inside turnDetails, as they came', () => {
    const body = { ...SEED_CREDENTIALS, region: 'eu', extra: { a: [1, null] }, turnDetails: { ...TURN, ttl: 600 } } as StreamingCredentialsRequest;
    expect(accepted(body)).toStrictEqual(body);
  });

  it('refuses what a WebRTC stack would refuse, naming each field, and gives no credentials', () => {
    const outcome = readCredentials({ ...SEED_CREDENTIALS, stunIp: 'a b', turnDetails: { ...TURN, uris: ['turn:1.2.3.4:99999'] } });
    expect(outcome.accepted).toBe(false);
    expect(outcome).not.toHaveProperty('credentials');
    if (!outcome.accepted) expect(outcome.problems.map((p) => p.path)).toEqual(['/stunIp', '/turnDetails/uris/0']);
  });
});
