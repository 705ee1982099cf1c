import { describe, expect, it } from 'vitest';
import { credentialsProblems } from '../../src/core/credentials.js';
import type { StreamingCredentials, TurnDetails } from '../../generated/types.gen.js';
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
