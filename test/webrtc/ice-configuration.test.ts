import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iceConfiguration as fromClient } from '../../src/client.js';
import { iceConfiguration as fromPackage } from '../../src/index.js';
import { iceConfiguration, serialisedUrl } from '../../src/webrtc/ice-configuration.js';
import type { StreamingCredentials, TurnDetails } from '../../generated/types.gen.js';
import { SEED_CREDENTIALS } from '../support/fixtures.js';

const STUN_ONLY: StreamingCredentials = { stunIp: 'stun.example.com', stunPort: 3478, username: 'user', password: 'pass' };
const withTurn = (turn: Partial<TurnDetails>): StreamingCredentials => ({
  ...STUN_ONLY,
  turnDetails: { username: 'turnuser', password: 'turnpass', uris: ['turn:1.2.3.4:3478'], ...turn },
});

describe('iceConfiguration', () => {
  it('makes a stun: URL of stunIp and stunPort, without the top-level username and password', () => {
    expect(iceConfiguration(STUN_ONLY)).toEqual({ iceServers: [{ urls: 'stun:stun.example.com:3478' }], iceTransportPolicy: 'all' });
  });

  it('puts an IPv6 stunIp in brackets, once', () => {
    expect(iceConfiguration({ ...STUN_ONLY, stunIp: '2001:db8::1' }).iceServers[0]).toEqual({ urls: 'stun:[2001:db8::1]:3478' });
    expect(iceConfiguration({ ...STUN_ONLY, stunIp: '[2001:db8::1]' }).iceServers[0]).toEqual({ urls: 'stun:[2001:db8::1]:3478' });
  });

  it("maps the seed's example: uris to urls, password to credential, the TCP relay first", () => {
    expect(iceConfiguration(SEED_CREDENTIALS)).toEqual({
      iceServers: [
        { urls: 'stun:stun.example.com:3478' },
        { urls: ['turns:1.2.3.4:443?transport=tcp', 'turn:1.2.3.4:3478'], username: 'turnuser', credential: 'turnpass' },
      ],
      iceTransportPolicy: 'all',
    });
  });

  it('asks for relay only when transportPolicy is RELAY', () => {
    expect(iceConfiguration(withTurn({ transportPolicy: 'RELAY' })).iceTransportPolicy).toBe('relay');
    expect(iceConfiguration(withTurn({ transportPolicy: 'ALL' })).iceTransportPolicy).toBe('all');
    expect(iceConfiguration(withTurn({})).iceTransportPolicy).toBe('all');
  });

  it('drops the TURN URIs, and keeps STUN ones, when transportPolicy is DIRECT', () => {
    expect(iceConfiguration(withTurn({ transportPolicy: 'DIRECT' }))).toEqual({ iceServers: [{ urls: 'stun:stun.example.com:3478' }], iceTransportPolicy: 'all' });
    const mixed = withTurn({ transportPolicy: 'DIRECT', uris: ['turn:1.2.3.4', 'stun:stun2.example.com', 'turns:1.2.3.4'] });
    expect(iceConfiguration(mixed).iceServers).toEqual([
      { urls: 'stun:stun.example.com:3478' },
      { urls: ['stun:stun2.example.com'], username: 'turnuser', credential: 'turnpass' },
    ]);
  });

  it('puts the URIs of the relay protocol first and keeps the order of the rest', () => {
    const uris = ['turn:a?transport=tcp', 'turn:b', 'turns:c', 'turn:d?transport=udp', 'stun:e'];
    const urls = (relayProtocol?: string) => iceConfiguration(withTurn({ uris, relayProtocol })).iceServers[1]!.urls;
    expect(urls('UDP')).toEqual(['turn:b', 'turn:d?transport=udp', 'turn:a?transport=tcp', 'turns:c', 'stun:e']);
    expect(urls('TCP')).toEqual(['turn:a?transport=tcp', 'turns:c', 'turn:b', 'turn:d?transport=udp', 'stun:e']);
    expect(urls('tls')).toEqual(['turns:c', 'turn:a?transport=tcp', 'turn:b', 'turn:d?transport=udp', 'stun:e']);
    expect(urls('SCTP')).toEqual(uris);
    expect(urls(undefined)).toEqual(uris);
  });

  it('writes URIs as a browser does, with the transport in lower case, which werift needs', () => {
    const urls = iceConfiguration(withTurn({ uris: ['TURN:1.2.3.4:3478?transport=UDP', ' Turns:Host.Example:443?transport=Tcp', 'turn:h?Transport=UDP'] })).iceServers[1]!.urls;
    expect(urls).toEqual(['turn:1.2.3.4:3478?transport=udp', 'turns:Host.Example:443?transport=tcp', 'turn:h?Transport=UDP']);
  });

  it('takes a URI with spaces around for the TURN URI it is when transportPolicy is DIRECT', () => {
    expect(iceConfiguration(withTurn({ uris: [' turn:1.2.3.4 '], transportPolicy: 'DIRECT' })).iceServers).toHaveLength(1);
  });

  it('leaves out a TURN username or password that is not given', () => {
    const credentials: StreamingCredentials = { ...STUN_ONLY, turnDetails: { uris: ['stun:stun2.example.com'] } };
    expect(iceConfiguration(credentials).iceServers[1]).toEqual({ urls: ['stun:stun2.example.com'] });
  });

  it('serialises a URL as the URL standard does, plain STUN/TURN URIs included', () => {
    const reference = (url: string) => {
      try {
        return new URL(url).href;
      } catch {
        return undefined;
      }
    };
    const plain = fc
      .tuple(fc.constantFrom('stun', 'stuns', 'turn', 'turns'), fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`)), fc.option(fc.nat(99999)), fc.constantFrom('', '?transport=udp', '?transport=tcp'))
      .map(([scheme, host, port, query]) => `${scheme}:${host}${port === null ? '' : `:${port}`}${query}`);
    fc.assert(
      fc.property(fc.oneof(plain, fc.string(), fc.string({ unit: 'grapheme' })), (url) => {
        expect(serialisedUrl(url)).toBe(reference(url));
      }),
    );
  });

  it('is the one the package and livestream-session/client export', () => {
    expect(fromPackage).toBe(iceConfiguration);
    expect(fromClient).toBe(iceConfiguration);
  });

  it('compiles to a file with no imports, so that a browser page can load it as it is', async () => {
    const source = await readFile(new URL('../../src/webrtc/ice-configuration.ts', import.meta.url), 'utf8');
    const imports = source.split('\n').filter((line) => /^import\b/.test(line));
    expect(imports.every((line) => /^import type\b/.test(line))).toBe(true);
  });
});
