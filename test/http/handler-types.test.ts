// Type-level tests: `npm run typecheck` (tsc) fails if any line marked @ts-expect-error
// compiles, i.e. if a handler could answer what the spec does not declare.
import { describe, expect, it } from 'vitest';
import type { ErrorShapes, Handler, Handlers } from '../../src/http/handlers.js';
import { STREAMED } from '../../src/http/handlers.js';

const ok = { statusMessage: 'Status: Startup endpoint OK' } as const;

export const declared: Handler<'checkStartup'> = () => ({ status: 200, body: ok });

// @ts-expect-error checkStartup declares no 503
export const undeclaredStatus: Handler<'checkStartup'> = () => ({ status: 503, body: ok });

// @ts-expect-error the 200 body of endSession is an EndSessionResult
export const undeclaredBody: Handler<'endSession'> = () => ({ status: 200, body: { sessionStatus: 'DONE' } });

// @ts-expect-error a refused credentials body answers a CredentialsRejection, not the bare error shape
export const wrongErrorShape: Handler<'setCredentials'> = () => ({ status: 400, body: { status: 400, code: 'VALIDATION_FAILED', message: 'x' } });

export const typedBody: Handler<'sendEvent'> = ({ body }) => {
  // The body is the spec's AppEvent: its event is one of the listened-for names.
  const name: 'omni.kit.app.GLOBAL_EVENT_APP_READY' | (string & {}) = body.event;
  // @ts-expect-error AppEvent has no field `name`
  void body.name;
  void name;
  return { status: 202, body: { accepted: true } };
};

export const requiredBody: Handler<'endSession'> = ({ body }) => {
  // endsession's body is required (the original refuses a call without one): it is always there.
  void body.gracefulShutdown;
  return { status: 200, body: { sessionStatus: 'COMPLETE' } };
};

export const streams: Handler<'streamEvents'> = () => STREAMED;

// @ts-expect-error only an operation whose 200 is text may stream its own answer
export const notAStream: Handler<'getStatus'> = () => STREAMED;

// @ts-expect-error every operation of the spec needs its handler
export const missing: Handlers = { checkStartup: declared };

// @ts-expect-error setCredentials answers its errors in its own shape: it needs one
export const noShapes: ErrorShapes = {};

describe('handler types', () => {
  it('are checked by tsc (npm run typecheck), which this file must pass', () => {
    expect(typeof declared).toBe('function');
  });
});
