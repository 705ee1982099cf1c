import type { StreamingCredentials } from '../../generated/types.gen.js';

/** A problem with one field of a credentials body, as a WebRTC stack would find it. */
export interface CredentialsProblem {
  /** JSON pointer into the body, e.g. `/turnDetails/uris/1`. */
  readonly path: string;
  readonly message: string;
}

// RFC 3986 host forms, as RFC 7064 (stun:, stuns:) and RFC 7065 (turn:, turns:) use them.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const REG_NAME = `(?:${LABEL})(?:\\.${LABEL})*\\.?`;
const IPV4 = '(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV6 = '\\[[0-9A-Fa-f:.]+\\]';
const HOST = new RegExp(`^(?:${IPV4}|${REG_NAME})$`);
const URI = new RegExp(`^(stuns?|turns?):(${IPV4}|${IPV6}|${REG_NAME})(?::(\\d{1,5}))?(?:\\?(.*))?$`, 's');

/** A bare host for `stunIp`: a name, an IPv4 address, or an IPv6 address (with or without brackets). */
export function isHost(value: string): boolean {
  if (HOST.test(value)) return true;
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  return bare.includes(':') && /^[0-9A-Fa-f:.]+$/.test(bare) && isIPv6(bare);
}

function isIPv6(value: string): boolean {
  try {
    return new URL(`http://[${value}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** Why `uri` is not a STUN/TURN URI per RFC 7064/7065, or undefined when it is one. */
export function uriProblem(uri: string): string | undefined {
  const match = URI.exec(uri);
  if (!match) return 'must be a STUN or TURN URI: stun:, stuns:, turn: or turns:, then a host and an optional port';
  const [, scheme, host, port, query] = match as unknown as [string, string, string, string | undefined, string | undefined];
  if (host.startsWith('[') && !isIPv6(host.slice(1, -1))) return 'has an invalid IPv6 address';
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `has port ${port}, outside 1-65535`;
  if (query !== undefined) {
    if (scheme.startsWith('stun')) return 'may not have a query: ?transport= is for TURN URIs only';
    if (!/^transport=(udp|tcp)$/.test(query)) return 'may only have ?transport=udp or ?transport=tcp';
  }
  return undefined;
}

const isTurn = (uri: string) => /^turns?:/.test(uri);

/**
 * Checks credentials as WebRTC stacks would before using them: the STUN host, each ICE
 * server URI, TURN credentials when TURN URIs are given, and that a relay-only policy has
 * a relay. The schema has already checked types, ranges and enums.
 */
export function credentialsProblems(credentials: StreamingCredentials): CredentialsProblem[] {
  const problems: CredentialsProblem[] = [];
  if (credentials.stunIp !== undefined && !isHost(credentials.stunIp)) problems.push({ path: '/stunIp', message: 'must be a host name or an IP address, without scheme or port' });
  const turn = credentials.turnDetails;
  if (turn === undefined) return problems;
  const uris = turn.uris ?? [];
  uris.forEach((uri, i) => {
    const problem = uriProblem(uri);
    if (problem) problems.push({ path: `/turnDetails/uris/${i}`, message: problem });
  });
  const turnUris = uris.filter(isTurn);
  if (turnUris.length > 0) {
    if (!turn.username) problems.push({ path: '/turnDetails/username', message: 'must be given, not empty, when TURN URIs are given' });
    if (!turn.password) problems.push({ path: '/turnDetails/password', message: 'must be given, not empty, when TURN URIs are given' });
  }
  if (turn.transportPolicy === 'RELAY' && turnUris.length === 0) {
    problems.push({ path: '/turnDetails/transportPolicy', message: 'is RELAY, which needs at least one turn: or turns: URI in turnDetails.uris' });
  }
  return problems;
}
