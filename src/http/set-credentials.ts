import type { RequestHandler } from 'express';
import type { CredentialsResult, StreamingCredentials, TurnDetails } from '../../generated/types.gen.js';
import type { Session } from '../core/session.js';

const ACCEPTED: CredentialsResult = { success: true, errorMessage: null };

export function setCredentials(session: Session): RequestHandler {
  return (req, res) => {
    session.setCredentials(knownFields(req.body as StreamingCredentials));
    res.status(200).json(ACCEPTED);
  };
}

/** Unknown extra fields are accepted and ignored: only the documented ones are passed on. */
function knownFields(body: StreamingCredentials): StreamingCredentials {
  const { stunIp, stunPort, username, password, privateSharedPort, turnDetails } = body;
  return {
    stunIp,
    stunPort,
    username,
    password,
    ...(privateSharedPort === undefined ? {} : { privateSharedPort }),
    ...(turnDetails === undefined ? {} : { turnDetails: knownTurnFields(turnDetails) }),
  };
}

function knownTurnFields(turn: TurnDetails): TurnDetails {
  const { username, password, uris, relayProtocol, transportPolicy, relayLocation } = turn;
  return {
    username,
    password,
    uris,
    ...(relayProtocol === undefined ? {} : { relayProtocol }),
    ...(transportPolicy === undefined ? {} : { transportPolicy }),
    ...(relayLocation === undefined ? {} : { relayLocation }),
  };
}
