import type { CredentialsRejection, CredentialsResult, ErrorResponse } from '../../generated/types.gen.js';
import { credentialsProblems } from '../core/credentials.js';
import type { Session } from '../core/session.js';
import { validationFailed } from './errors.js';
import { normaliseCredentials } from './lenient.js';
import type { Handler } from './handlers.js';

const ACCEPTED: CredentialsResult = { success: true, errorMessage: null };

/** A refused credentials body still answers like the credentials endpoint does. */
export const credentialsRejection = (error: ErrorResponse): CredentialsRejection => ({ success: false, errorMessage: error.message, ...error });

/**
 * `POST /v1/streaming/creds`. Credentials a WebRTC stack would refuse are refused, and the
 * previous ones stay. The body goes to the application as it came, unknown fields too
 * (NVCF may add some); it is never logged.
 */
export function setCredentials(session: Session): Handler<'setCredentials'> {
  return ({ body }) => {
    const credentials = normaliseCredentials(body);
    const problems = credentialsProblems(credentials);
    if (problems.length > 0) {
      const error = validationFailed(problems.map((p) => ({ path: `/body${p.path}`, message: p.message })));
      return { status: 400, body: credentialsRejection(error.toBody()) };
    }
    session.setCredentials(credentials);
    return { status: 200, body: ACCEPTED };
  };
}
