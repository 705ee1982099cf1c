import type { StreamingCredentials, StreamingCredentialsRequest, TurnDetails, TurnDetailsRequest } from '../../generated/types.gen.js';
import { iceUrl, stunUrl } from '../webrtc/ice-configuration.js';
import { checkIceUrl, MAX_TURN_USERNAME_BYTES, utf8Bytes } from '../webrtc/ice-url.js';
import { present, toPort } from './lenient.js';

/** A problem with one field of a credentials body, as a browser would find it. */
export interface CredentialsProblem {
  /** JSON pointer into the body, e.g. `/turnDetails/uris/1`. */
  readonly path: string;
  readonly message: string;
}

/** What becomes of a credentials body: accepted as the application gets it, or refused and why. */
export type CredentialsOutcome =
  | { readonly accepted: true; readonly credentials: StreamingCredentials }
  | { readonly accepted: false; readonly problems: readonly CredentialsProblem[] };

/**
 * Reads a credentials body as the original does (every field optional, `null` as absent,
 * ports as strings of digits), then refuses what a WebRTC stack would refuse. The schema has
 * already checked types, ranges and enums.
 */
export function readCredentials(body: StreamingCredentialsRequest): CredentialsOutcome {
  const credentials = normaliseCredentials(body);
  const problems = credentialsProblems(credentials);
  return problems.length === 0 ? { accepted: true, credentials } : { accepted: false, problems };
}

/** The credentials as the application gets them: no `null`s, ports as integers, unknown fields kept as they came. */
export function normaliseCredentials(body: StreamingCredentialsRequest): StreamingCredentials {
  const { stunIp, stunPort, username, password, privateSharedPort, turnDetails, ...unknown } = body;
  return {
    ...unknown,
    ...present({
      stunIp,
      stunPort: toPort(stunPort),
      username,
      password,
      privateSharedPort: toPort(privateSharedPort),
      turnDetails: turnDetails == null ? undefined : normaliseTurnDetails(turnDetails),
    }),
  };
}

function normaliseTurnDetails(turn: NonNullable<TurnDetailsRequest>): TurnDetails {
  const { username, password, uris, relayProtocol, transportPolicy, relayLocation, ...unknown } = turn;
  return { ...unknown, ...present({ username, password, uris, relayProtocol, transportPolicy, relayLocation }) };
}

/**
 * Checks credentials as a browser checks the ICE configuration made of them
 * (`new RTCPeerConnection(iceConfiguration(credentials))`): the STUN URL of `stunIp` and
 * `stunPort`, each of `turnDetails.uris`, and the TURN username and password when there is a
 * TURN URI. The schema has already checked types, ranges and enums.
 *
 * Two rules go beyond the browser's constructor: every URI is checked even under
 * `transportPolicy: DIRECT` (the configuration leaves the TURN ones out, but a stack that reads
 * the credentials itself meets them), and `RELAY` needs a TURN URI (a browser builds a
 * relay-only connection without one, which then never connects).
 */
export function credentialsProblems(credentials: StreamingCredentials): CredentialsProblem[] {
  const problems: CredentialsProblem[] = [];
  const stun = credentials.stunIp === undefined ? undefined : checkIceUrl(stunUrl(credentials));
  if (stun && !stun.ok) problems.push({ path: '/stunIp', message: `must make a STUN URL with stunPort that a browser takes; that URL ${stun.message}` });
  const turn = credentials.turnDetails;
  if (turn === undefined) return problems;
  let turnUris = 0;
  (turn.uris ?? []).forEach((uri, i) => {
    const check = checkIceUrl(iceUrl(uri));
    if (!check.ok) problems.push({ path: `/turnDetails/uris/${i}`, message: check.message });
    else if (check.turn) turnUris += 1;
  });
  if (turnUris > 0) {
    problems.push(...turnCredentialProblems('username', turn.username));
    problems.push(...turnCredentialProblems('password', turn.password));
    const bytes = turn.username === undefined ? 0 : utf8Bytes(turn.username);
    if (bytes > MAX_TURN_USERNAME_BYTES) {
      problems.push({ path: '/turnDetails/username', message: `is ${bytes} bytes in UTF-8, over the ${MAX_TURN_USERNAME_BYTES} a browser takes for TURN` });
    }
  }
  if (turn.transportPolicy === 'RELAY' && turnUris === 0) {
    problems.push({ path: '/turnDetails/transportPolicy', message: 'is RELAY, which needs at least one turn: or turns: URI in turnDetails.uris' });
  }
  return problems;
}

function turnCredentialProblems(field: 'username' | 'password', value: string | undefined): CredentialsProblem[] {
  if (value === undefined) return [{ path: `/turnDetails/${field}`, message: 'is needed when TURN URIs are given' }];
  if (value === '') return [{ path: `/turnDetails/${field}`, message: 'must not be empty when TURN URIs are given' }];
  return [];
}
