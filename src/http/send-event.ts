import type { RequestHandler } from 'express';
import type { AppEvent, EventAccepted } from '../../generated/types.gen.js';
import type { KitEventBus } from '../core/bus.js';

const ACCEPTED: EventAccepted = { accepted: true };

export function sendEvent(bus: KitEventBus): RequestHandler {
  return (req, res) => {
    const { event, payload } = req.body as AppEvent;
    bus.emit(event, payload ?? {});
    res.status(202).json(ACCEPTED);
  };
}
