import type { EventAccepted } from '../../generated/types.gen.js';
import type { KitEventBus } from '../core/bus.js';
import type { Handler } from './handlers.js';

const ACCEPTED: EventAccepted = { accepted: true };

/** `POST /v1/streaming/events`: the application reports one of the Kit events it would raise inside Kit. */
export function sendEvent(bus: KitEventBus): Handler<'sendEvent'> {
  return ({ body: { event, payload } }) => {
    bus.emit(event, payload ?? {});
    return { status: 202, body: ACCEPTED };
  };
}
