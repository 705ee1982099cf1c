// Type tests: vitest's typecheck mode (vitest.config.ts) runs tsc over this file on every
// `vitest run`; each expectation is a test that fails when a handler could answer what the
// spec does not declare, or could not answer what it does.
import { describe, expectTypeOf, it } from 'vitest';
import type { AppEvent, CredentialsRejection, ErrorResponse, ListenedEventName } from '../../generated/types.gen.js';
import type { BodyOf, ErrorShapes, Handler, Handlers, STREAMED } from '../../src/http/handlers.js';

type Answering<T> = () => T;
const ok = { statusMessage: 'Status: Startup endpoint OK' } as const;

describe('a handler answers only what the spec declares for its operation', () => {
  it('may answer a declared status with its declared body', () => {
    expectTypeOf<Answering<{ status: 200; body: typeof ok }>>().toExtend<Handler<'checkStartup'>>();
    expectTypeOf<Answering<{ status: 200; body: { sessionStatus: 'COMPLETE' } }>>().toExtend<Handler<'endSession'>>();
    expectTypeOf<Answering<Promise<{ status: 202; body: { accepted: true } }>>>().toExtend<Handler<'sendEvent'>>();
  });

  it('may not answer a status the operation does not declare (checkStartup has no 503)', () => {
    expectTypeOf<Answering<{ status: 503; body: typeof ok }>>().not.toExtend<Handler<'checkStartup'>>();
  });

  it('may not answer a body other than the one declared for the status (endSession’s 200 is an EndSessionResult)', () => {
    expectTypeOf<Answering<{ status: 200; body: { sessionStatus: 'DONE' } }>>().not.toExtend<Handler<'endSession'>>();
  });

  it('answers a refused credentials body as a CredentialsRejection, not the bare error shape', () => {
    expectTypeOf<Answering<{ status: 400; body: ErrorResponse }>>().not.toExtend<Handler<'setCredentials'>>();
    expectTypeOf<Answering<{ status: 400; body: CredentialsRejection }>>().toExtend<Handler<'setCredentials'>>();
  });

  it('may stream its own answer only when the operation’s 200 is text', () => {
    expectTypeOf<Answering<typeof STREAMED>>().toExtend<Handler<'streamEvents'>>();
    expectTypeOf<Answering<typeof STREAMED>>().not.toExtend<Handler<'getStatus'>>();
  });
});

describe('a handler is given the request as the spec types it', () => {
  it('gets sendEvent’s body as an AppEvent: its event one of the listened-for names, no field `name`', () => {
    expectTypeOf<BodyOf<'sendEvent'>>().toEqualTypeOf<AppEvent>();
    expectTypeOf<BodyOf<'sendEvent'>['event']>().toEqualTypeOf<ListenedEventName>();
    expectTypeOf<'omni.kit.app.GLOBAL_EVENT_APP_READY'>().toExtend<BodyOf<'sendEvent'>['event']>();
    expectTypeOf<BodyOf<'sendEvent'>>().not.toHaveProperty('name');
  });

  it('always gets endSession’s body, which the spec requires', () => {
    expectTypeOf<undefined>().not.toExtend<BodyOf<'endSession'>>();
    expectTypeOf<BodyOf<'endSession'>>().toHaveProperty('gracefulShutdown');
  });
});

describe('the handler tables are complete', () => {
  it('need a handler for every operation of the spec', () => {
    expectTypeOf<{ checkStartup: Handler<'checkStartup'> }>().not.toExtend<Handlers>();
  });

  it('need an error shape for setCredentials, which answers its errors in its own shape', () => {
    expectTypeOf<{}>().not.toExtend<ErrorShapes>();
    expectTypeOf<ErrorShapes>().toHaveProperty('setCredentials');
  });
});
