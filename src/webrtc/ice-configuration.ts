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
 * - `stunIp` and `stunPort` make the first server, `stun:<host>:<port>` (an IPv6 address in
 *   brackets). The top-level `username` and `password` are left out: ICE's STUN checks are
 *   authenticated by the peers' own ICE credentials from the SDP, and browsers ignore a
 *   username or credential given for a `stun:` URL.
 * - `turnDetails.uris` make one server with `username` and `credential` (= `password`).
 *   URIs whose transport is `relayProtocol` (UDP, TCP, which `turns:` meets too, or TLS) come
 *   first, the rest keep their order: stacks that use one TURN URL only (werift takes the first `turn:`/`turns:` one)
 *   then use the relay the credentials ask for. Schemes and `?transport=` values are written
 *   in lower case, since some stacks (werift) ignore `?transport=UDP`.
 * - `transportPolicy: RELAY` gives `iceTransportPolicy: 'relay'`; `DIRECT` leaves the TURN
 *   URIs out (STUN URIs among `turnDetails.uris` stay); `ALL` or none gives `'all'`.
 */
export function iceConfiguration(credentials: StreamingCredentials): IceConfiguration {
  const iceServers: IceServer[] = [{ urls: `stun:${bracketed(credentials.stunIp)}:${credentials.stunPort}` }];
  const turn = credentials.turnDetails;
  if (turn === undefined) return { iceServers, iceTransportPolicy: 'all' };
  const direct = turn.transportPolicy === 'DIRECT';
  const urls = preferred(turn).filter((uri) => !(direct && relayTransport(uri) !== undefined));
  if (urls.length > 0) iceServers.push({ urls, username: turn.username, credential: turn.password });
  return { iceServers, iceTransportPolicy: turn.transportPolicy === 'RELAY' ? 'relay' : 'all' };
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The URIs, normalised, those of the wanted relay transport first (a stable sort). */
function preferred(turn: TurnDetails): string[] {
  const uris = turn.uris.map(normalised);
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

function normalised(uri: string): string {
  return uri
    .replace(/^[a-z]+:/i, (scheme) => scheme.toLowerCase())
    .replace(/([?&]transport=)([a-z]+)$/i, (_, key: string, value: string) => key.toLowerCase() + value.toLowerCase());
}

/** How a TURN URI reaches its relay (`udp`, `tcp` or `tls`), or undefined for a STUN URI. */
function relayTransport(uri: string): 'udp' | 'tcp' | 'tls' | undefined {
  const scheme = /^(turns?):/.exec(uri)?.[1];
  if (scheme === undefined) return undefined;
  if (scheme === 'turns') return 'tls';
  return /[?&]transport=tcp$/.test(uri) ? 'tcp' : 'udp';
}
