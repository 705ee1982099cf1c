import type { Session } from '../core/session.js';
import type { Handler } from './handlers.js';

const NO_STORE = { 'Cache-Control': 'no-store' };
const NOT_READY = { 'Cache-Control': 'no-store', 'Retry-After': '1' };

/**
 * `GET /v1/streaming/ready`: the session's readiness. Probe manners: never cached, and a
 * 503 says when to ask again. A plain GET reaches this handler ahead of Express (see
 * requestListener in app.ts); any other request for the path goes through the validator first.
 */
export function checkReady(session: Session): Handler<'checkReady'> {
  return () => {
    const readiness = session.readiness();
    if (readiness.httpStatus === 503) {
      const { httpStatus: _, ...body } = readiness;
      return { status: 503, body, headers: NOT_READY };
    }
    const { httpStatus: _, ...body } = readiness;
    return { status: 200, body, headers: NO_STORE };
  };
}

export const STARTUP_BODY = Object.freeze({ statusMessage: 'Status: Startup endpoint OK' } as const);

/** `GET /v1/streaming/startup`: always 200, whatever the state of the application. */
export const checkStartup: Handler<'checkStartup'> = () => ({ status: 200, body: STARTUP_BODY, headers: NO_STORE });
