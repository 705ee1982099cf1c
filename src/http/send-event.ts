import type { EventAccepted } from '../../generated/types.gen.js';
import type { KitEventBus } from '../core/bus.js';
import { MAX_CONNECTED_CLIENT_IDS } from '../core/machine.js';
import type { Session } from '../core/session.js';
import type { Handler } from './handlers.js';

const ACCEPTED: EventAccepted = { accepted: true };

const TOO_MANY_CLIENTS = {
  status: 409,
  code: 'TOO_MANY_CLIENTS',
  message: `${MAX_CONNECTED_CLIENT_IDS} clients with an id are connected, the most the service counts: a connect for another is refused until one disconnects`,
} as const;

/**
 * `POST /v1/streaming/events`: the application reports one of the Kit events it would raise
 * inside Kit. An event the session refuses is not raised, and is answered 409.
 */
export function sendEvent(bus: KitEventBus, session: Session): Handler<'sendEvent'> {
  return ({ body: { event, payload } }) => {
    if (session.refuses(event, payload)) return { status: 409, body: TOO_MANY_CLIENTS };
    bus.emit(event, payload ?? {});
    return { status: 202, body: ACCEPTED };
  };
}
