import type { RequestHandler } from 'express';
import type { CredentialsResult, StreamingCredentials, TurnDetails } from '../../generated/types.gen.js';
import { credentialsProblems } from '../core/credentials.js';
import type { Session } from '../core/session.js';
import { validationFailed } from './errors.js';

export const ACCEPTED: CredentialsResult = { success: true, errorMessage: null };

const CREDENTIAL_FIELDS = ['stunIp', 'stunPort', 'username', 'password', 'privateSharedPort'] as const;
const TURN_FIELDS = ['username', 'password', 'uris', 'relayProtocol', 'transportPolicy', 'relayLocation'] as const;

export function setCredentials(session: Session): RequestHandler {
  return (req, res, next) => {
    const credentials = knownFields(req.body as StreamingCredentials);
    // Credentials a WebRTC stack would refuse are refused here; the previous ones stay.
    const problems = credentialsProblems(credentials);
    if (problems.length > 0) {
      return next(validationFailed(problems.map((p) => ({ path: `/body${p.path}`, message: p.message }))));
    }
    session.setCredentials(credentials);
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
