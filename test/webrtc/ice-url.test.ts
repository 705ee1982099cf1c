import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIceUrl, utf8Bytes } from '../../src/webrtc/ice-url.js';

// Each case as Chromium 156 answered it in `new RTCPeerConnection()`; the differential test
// (contract-tests/webrtc-credentials.test.ts) asks Chromium itself about many more.
describe('ICE server URLs, as a browser takes them', () => {
  it.each([
    'stun:stun.example.com',
    'stun:stun.example.com:3478',
    'stuns:stun.example.com:5349',
    'turn:1.2.3.4:3478',
    'turns:1.2.3.4:443?transport=tcp',
    'turn:turn.example.com?transport=udp',
    'turn:[2001:db8::1]:3478',
    'stun:[::1]',
    'TURN:192.0.2.1:3478',
    'Stun:h',
    'turn:h?transport=UDP',
    'turn:turn_server.local:3478',
    'turn:h:00080',
    'turn:ü.example',
    ' turn:h ',
    'turns:h?transport=udp',
    'turn:h?transport=udp?x',
  ])('accepts %j', (uri) => {
    expect(checkIceUrl(uri)).toEqual({ ok: true, turn: /^\s*turns?:/i.test(uri) });
  });

  it.each([
    ['http://turn.example.com', /stun:, stuns:, turn: or turns:/],
    ['turn:', /not a URL|no host/],
    ['turn://1.2.3.4:3478', /host/],
    ['turn:1.2.3.4:0', /port 0/],
    ['turn:1.2.3.4:65536', /port 65536/],
    ['turn:h:+1', /not a number/],
    ['turn:1.2.3.4:3478?transport=sctp', /transport=udp or \?transport=tcp/],
    ['turn:h?transport=tls', /transport=udp/],
    ['turn:h?Transport=udp', /transport=udp/],
    ['turn:h?transport=udp&x=1', /transport=udp/],
    ['turn:h?', /transport=udp/],
    ['stun:1.2.3.4:3478?transport=udp', /TURN URIs only/],
    ['turn:user@host', /user@host/],
    ['turn:[::1', /closing bracket/],
    ['turn:a b', /host/],
    ['turn:h#frag', /host/],
  ])('refuses %j', (uri, why) => {
    const check = checkIceUrl(uri);
    expect(check.ok).toBe(false);
    expect(check.ok === false && check.message).toMatch(why);
  });

  it('counts a string in UTF-8 bytes, a lone surrogate as the three of U+FFFD', () => {
    expect(utf8Bytes('abc')).toBe(3);
    expect(utf8Bytes('ü')).toBe(2);
    expect(utf8Bytes('\ud800')).toBe(3);
    expect(utf8Bytes('\ud800x\udc00')).toBe(7);
  });

  it('counts every string as TextEncoder does', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (value) => {
      expect(utf8Bytes(value)).toBe(new TextEncoder().encode(value).length);
    }));
  });
});
