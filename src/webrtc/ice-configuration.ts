// The standard WebRTC configuration made from a credentials payload. No imports but types, so
// the compiled file runs as it is in a browser page and in Node (werift takes the same shape).
import type { StreamingCredentials, TurnDetails } from '../../generated/types.gen.js';

/** One ICE server, as `RTCIceServer` has it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** The part of `RTCConfiguration` that credentials decide; pass it to `new RTCPeerConnection()`. */
export interface IceConfiguration {
  iceServers: IceServer[];
  iceTransportPolicy?: 'all' | 'relay';
}

/**
 * The ICE configuration for a credentials payload:
 *
 * - `stunIp` and `stunPort` make the first server, `stun:<host>:<port>` (an IPv6 address gets
 *   brackets). The top-level `username` and `password` are left out: ICE's STUN checks are
 *   authenticated by the peers' own ICE credentials from the SDP, and browsers ignore a
 *   username or credential given for a `stun:` URL.
 * - `turnDetails.uris` make one server with `username` and `credential` (= `password`).
 *   URIs whose transport is `relayProtocol` (UDP, TCP, which `turns:` meets too, or TLS) come
 *   first, the rest keep their order: stacks that use one TURN URL only (werift takes the
 *   first `turn:`/`turns:` one) then use the relay the credentials ask for. Each URI is written as browsers write it before
 *   use, with its `?transport=` value in lower case, since werift ignores `?transport=UDP`.
 * - `transportPolicy: RELAY` gives `iceTransportPolicy: 'relay'`; `DIRECT` leaves the TURN
 *   URIs out (STUN URIs among `turnDetails.uris` stay); `ALL` or none gives `'all'`.
 */
export function iceConfiguration(credentials: StreamingCredentials): IceConfiguration {
  const iceServers: IceServer[] = [{ urls: stunUrl(credentials) }];
  const turn = credentials.turnDetails;
  if (turn === undefined) return { iceServers, iceTransportPolicy: 'all' };
  const direct = turn.transportPolicy === 'DIRECT';
  const urls = preferred(turn).filter((uri) => !(direct && relayTransport(uri) !== undefined));
  if (urls.length > 0) {
    const server: IceServer = { urls };
    if (turn.username !== undefined) server.username = turn.username;
    if (turn.password !== undefined) server.credential = turn.password;
    iceServers.push(server);
  }
  return { iceServers, iceTransportPolicy: turn.transportPolicy === 'RELAY' ? 'relay' : 'all' };
}

/** The STUN server's URL: an IPv6 address gets brackets, anything else is taken as it is. */
export function stunUrl(credentials: StreamingCredentials): string {
  return `stun:${isIPv6(credentials.stunIp) ? `[${credentials.stunIp}]` : credentials.stunIp}:${credentials.stunPort}`;
}

/**
 * A `turnDetails.uris` entry as the configuration carries it: written as the URL standard
 * writes it (as browsers do before using it: scheme in lower case, spaces around trimmed), and
 * its `?transport=` value in lower case. A URI that is not a URL is left as it is.
 */
export function iceUrl(uri: string): string {
  const href = serialisedUrl(uri) ?? uri;
  const transport = /\?transport=([A-Za-z]*[A-Z][A-Za-z]*)$/.exec(href);
  return transport === null ? href : href.slice(0, transport.index) + `?transport=${transport[1]!.toLowerCase()}`;
}

// A plain STUN/TURN URI (lower-case scheme, a name, an IPv4 or a bracketed IPv6 address, digits
// for a port, ?transport=udp|tcp) is its own serialisation: the parser is spared for it, as
// credentials are checked on the hot path of POST /v1/streaming/creds.
const PLAIN = /^(?:stuns?|turns?):(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?(?:\?transport=(?:udp|tcp))?$/;

/** The URL as the URL standard serialises it (as browsers pass it on), or undefined if it is none. */
export function serialisedUrl(url: string): string | undefined {
  if (PLAIN.test(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

function isIPv6(host: string): boolean {
  if (!host.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(host)) return false;
  try {
    new URL(`http://[${host}]/`);
    return true;
  } catch {
    return false;
  }
}

/** The URIs, normalised, those of the wanted relay transport first (a stable sort). */
function preferred(turn: TurnDetails): string[] {
  const uris = turn.uris.map(iceUrl);
  const wanted = turn.relayProtocol?.toLowerCase();
  if (wanted === undefined) return uris;
  const rank = (uri: string) => (carries(relayTransport(uri), wanted) ? 0 : 1);
  return uris.map((uri, i) => ({ uri, i })).sort((a, b) => rank(a.uri) - rank(b.uri) || a.i - b.i).map(({ uri }) => uri);
}

// TLS runs over TCP: a TCP relay protocol is met by `turns:` URIs too (the seed's example pairs
// `relayProtocol: TCP` with `turns:…?transport=tcp`).
function carries(transport: 'udp' | 'tcp' | 'tls' | undefined, wanted: string): boolean {
  return transport === wanted || (transport === 'tls' && wanted === 'tcp');
}

/** How a TURN URI reaches its relay (`udp`, `tcp` or `tls`), or undefined for a STUN URI. */
function relayTransport(uri: string): 'udp' | 'tcp' | 'tls' | undefined {
  const scheme = /^(turns?):/.exec(uri)?.[1];
  if (scheme === undefined) return undefined;
  if (scheme === 'turns') return 'tls';
  return /[?&]transport=tcp$/.test(uri) ? 'tcp' : 'udp';
}
