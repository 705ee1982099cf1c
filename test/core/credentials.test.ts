import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialsProblems, isHost, uriProblem } from '../../src/core/credentials.js';
import { SEED_CREDENTIALS } from '../support/fixtures.js';

describe('STUN/TURN URIs (RFC 7064, RFC 7065)', () => {
  it.each([
    'stun:stun.example.com',
    'stun:stun.example.com:3478',
    'stuns:stun.example.com:5349',
    'turn:1.2.3.4:3478',
    'turns:1.2.3.4:443?transport=tcp',
    'turn:turn.example.com?transport=udp',
    'turn:[2001:db8::1]:3478',
    'stun:[::1]',
  ])('accepts %s', (uri) => {
    expect(uriProblem(uri)).toBeUndefined();
  });

  it.each([
    ['http://turn.example.com', /STUN or TURN URI/],
    ['turn:', /STUN or TURN URI/],
    ['turn://1.2.3.4:3478', /STUN or TURN URI/],
    ['turn:1.2.3.4:0', /port 0/],
    ['turn:1.2.3.4:65536', /port 65536/],
    ['turn:1.2.3.4:3478?transport=sctp', /transport=udp or \?transport=tcp/],
    ['stun:1.2.3.4:3478?transport=udp', /TURN URIs only/],
    ['turn:user@host', /STUN or TURN URI/],
    ['turn:[not-v6]:3478', /STUN or TURN URI|IPv6/],
    ['turn:bad_host:3478', /STUN or TURN URI/],
  ])('refuses %s', (uri, why) => {
    expect(uriProblem(uri)).toMatch(why);
  });

  it('accepts every well-formed URI and names the port of every out-of-range one', () => {
    const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`));
    fc.assert(
      fc.property(fc.constantFrom('stun', 'stuns', 'turn', 'turns'), host, fc.option(fc.integer({ min: 1, max: 65535 })), fc.constantFrom('', 'udp', 'tcp'), (scheme, h, port, transport) => {
        const query = transport && scheme.startsWith('turn') ? `?transport=${transport}` : '';
        expect(uriProblem(`${scheme}:${h}${port === null ? '' : `:${port}`}${query}`)).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 65536, max: 99999 }), (port) => {
        expect(uriProblem(`turn:turn.example.com:${port}`)).toContain(`port ${port}`);
      }),
    );
  });
});

describe('the STUN host', () => {
  it.each(['stun.example.com', '1.2.3.4', '2001:db8::1', '[2001:db8::1]', 'localhost'])('accepts %s', (host) => expect(isHost(host)).toBe(true));
  it.each(['stun:stun.example.com', 'stun.example.com:3478', 'http://x', 'a b', '-bad.example.com', ''])('refuses %s', (host) => expect(isHost(host)).toBe(false));
});

describe('credentials as a whole', () => {
  const turn = SEED_CREDENTIALS.turnDetails!;

  it("finds nothing wrong with the seed's example", () => {
    expect(credentialsProblems(SEED_CREDENTIALS)).toEqual([]);
  });

  it('points at each bad URI by its index', () => {
    const problems = credentialsProblems({ ...SEED_CREDENTIALS, turnDetails: { ...turn, uris: ['turn:1.2.3.4:3478', 'nope', 'stun:x?transport=tcp'] } });
    expect(problems.map((p) => p.path)).toEqual(['/turnDetails/uris/1', '/turnDetails/uris/2']);
  });

  it('needs a TURN URI for a relay-only policy', () => {
    const problems = credentialsProblems({ ...SEED_CREDENTIALS, turnDetails: { ...turn, uris: ['stun:stun.example.com'], transportPolicy: 'RELAY' } });
    expect(problems).toEqual([{ path: '/turnDetails/transportPolicy', message: expect.stringContaining('RELAY') }]);
    expect(credentialsProblems({ ...SEED_CREDENTIALS, turnDetails: { ...turn, transportPolicy: 'RELAY' } })).toEqual([]);
  });

  it('needs TURN credentials when TURN URIs are given, and not otherwise', () => {
    const problems = credentialsProblems({ ...SEED_CREDENTIALS, turnDetails: { ...turn, username: '', password: '' } });
    expect(problems.map((p) => p.path)).toEqual(['/turnDetails/username', '/turnDetails/password']);
    expect(credentialsProblems({ ...SEED_CREDENTIALS, turnDetails: { ...turn, uris: ['stun:stun.example.com'], username: '', password: '' } })).toEqual([]);
  });

  it('refuses a STUN host with a scheme or a port', () => {
    expect(credentialsProblems({ ...SEED_CREDENTIALS, stunIp: 'stun:stun.example.com' }).map((p) => p.path)).toEqual(['/stunIp']);
    expect(credentialsProblems({ ...SEED_CREDENTIALS, stunIp: 'stun.example.com:3478' }).map((p) => p.path)).toEqual(['/stunIp']);
  });
});
