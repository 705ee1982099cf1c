import type { RequestHandler } from 'express';
import type { CredentialsResult, StreamingCredentials, TurnDetails } from '../../generated/types.gen.js';
import type { Session } from '../core/session.js';

export const ACCEPTED: CredentialsResult = { success: true, errorMessage: null };

const CREDENTIAL_FIELDS = ['stunIp', 'stunPort', 'username', 'password', 'privateSharedPort'] as const;
const TURN_FIELDS = ['username', 'password', 'uris', 'relayProtocol', 'transportPolicy', 'relayLocation'] as const;

export function setCredentials(session: Session): RequestHandler {
  return (req, res) => {
    session.setCredentials(knownFields(req.body as StreamingCredentials));
    res.status(200).json(ACCEPTED);
  };
}

/** Unknown extra fields are accepted and ignored: only the documented ones are passed on. */
export function knownFields(body: StreamingCredentials): StreamingCredentials {
  const credentials = pick(body, CREDENTIAL_FIELDS) as StreamingCredentials;
  if (body.turnDetails !== undefined) credentials.turnDetails = pick(body.turnDetails, TURN_FIELDS) as TurnDetails;
  return credentials;
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) picked[key] = value[key];
  return picked;
}
