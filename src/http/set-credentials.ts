import type { CredentialsRejection, CredentialsResult, ErrorResponse } from '../../generated/types.gen.js';
import type { Session } from '../core/session.js';
import { validationFailed } from './errors.js';
import type { Handler } from './handlers.js';

const ACCEPTED: CredentialsResult = { success: true, errorMessage: null };

/** A refused credentials body still answers like the credentials endpoint does. */
export const credentialsRejection = (error: ErrorResponse): CredentialsRejection => ({ success: false, errorMessage: error.message, ...error });

/** `POST /v1/streaming/creds`: the session reads the body and accepts or refuses it. */
export function setCredentials(session: Session): Handler<'setCredentials'> {
  return ({ body }) => {
    const outcome = session.setCredentials(body);
    if (outcome.accepted) return { status: 200, body: ACCEPTED };
    const error = validationFailed(outcome.problems.map((p) => ({ path: `/body${p.path}`, message: p.message })));
    return { status: 400, body: credentialsRejection(error.toBody()) };
  };
}
