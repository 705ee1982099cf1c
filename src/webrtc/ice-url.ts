// Whether a browser takes an ICE server URL, by the rules Chromium applies in
// `new RTCPeerConnection()`: first Blink (the URL standard's parser, the scheme, the query),
// then libwebrtc on the URL as Blink serialised it (host, port, transport). Found by experiment
// and kept in agreement by contract-tests/webrtc-credentials.test.ts, which feeds the same
// corpus to headless Chromium. Nothing Node-only: `URL` is in browsers and Node alike.
import { serialisedUrl } from './ice-configuration.js';

/** What a browser makes of one ICE server URL. */
export type IceUrlCheck = { readonly ok: true; readonly turn: boolean } | { readonly ok: false; readonly message: string };

/** The longest TURN username Chromium takes, in UTF-8 bytes. */
export const MAX_TURN_USERNAME_BYTES = 509;

// RFC 3986 reg-name characters, percent signs included: libwebrtc checks host names against
// these only, so `_` is fine and a name's labels are not checked.
const REG_NAME = /^[A-Za-z0-9\-._~%!$&'()*+,;=]+$/;

const TRANSPORT = /^(udp|tcp)$/i;

const refused = (message: string): IceUrlCheck => ({ ok: false, message });

export function checkIceUrl(url: string): IceUrlCheck {
  const href = serialisedUrl(url);
  if (href === undefined) return refused('is not a URL');
  // Blink: the scheme (any case, as the parser lowers it) and the query.
  const scheme = href.slice(0, href.indexOf(':'));
  const turn = scheme === 'turn' || scheme === 'turns';
  if (!turn && scheme !== 'stun' && scheme !== 'stuns') return refused('must be a stun:, stuns:, turn: or turns: URI');
  const query = queryOf(href);
  if (!turn && query !== '') return refused('may not have a query: ?transport= is for TURN URIs only');
  if (turn && query !== '') {
    const parts = query.split('=').filter((part) => part !== '');
    if (parts.length < 2 || parts[0] !== 'transport') return refused('may only have ?transport=udp or ?transport=tcp as its query');
  }
  // libwebrtc, on the serialised URL: one "?" means a transport to check, more are ignored.
  const question = href.indexOf('?');
  if (question !== -1 && href.indexOf('?', question + 1) === -1) {
    const [key, value] = href.slice(question + 1).split('=');
    if (key !== 'transport' || value === undefined || !TRANSPORT.test(value)) {
      return refused('may only have ?transport=udp or ?transport=tcp as its query');
    }
  }
  if (!turn && question !== -1) return refused('may not have a query: ?transport= is for TURN URIs only');
  const authority = href.slice(scheme.length + 1, question === -1 ? undefined : question);
  if (authority === '') return refused('has no host');
  if (authority.includes('@')) return refused('may not name a user (user@host)');
  const hostAndPort = splitHostAndPort(authority);
  if (typeof hostAndPort === 'string') return refused(hostAndPort);
  return { ok: true, turn };
}

/** A serialised URL's query, as `URL.search` gives it without its "?": '' when none or empty. */
function queryOf(href: string): string {
  const question = href.indexOf('?');
  const hash = href.indexOf('#');
  if (question === -1 || (hash !== -1 && hash < question)) return '';
  return href.slice(question + 1, hash === -1 ? undefined : hash);
}

/** The host, and why the port (if any) is wrong, or why the whole is not host[:port]. */
function splitHostAndPort(authority: string): string | { host: string } {
  let host: string;
  let port: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.lastIndexOf(']');
    if (close === -1) return 'has an IPv6 address without its closing bracket';
    // libwebrtc reads the port from two characters after the bracket, whatever stands there.
    if (authority.indexOf(':', close) !== -1) port = authority.slice(close + 2);
    host = authority.slice(1, close);
  } else {
    const colon = authority.indexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    if (colon !== -1) port = authority.slice(colon + 1);
    if (host !== '' && !REG_NAME.test(host)) return 'has a host with characters a host name cannot have';
  }
  if (host === '') return 'has no host';
  if (port !== undefined) {
    if (!/^\d+$/.test(port)) return `has port ${JSON.stringify(port)}, which is not a number`;
    const value = Number(port);
    if (value < 1 || value > 65535) return `has port ${port}, outside 1-65535`;
  }
  return { host };
}

/** The length of a string in UTF-8 bytes, as a browser encodes it (a lone surrogate as U+FFFD). */
export function utf8Bytes(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) (bytes += 4), i++;
    else bytes += 3;
  }
  return bytes;
}
