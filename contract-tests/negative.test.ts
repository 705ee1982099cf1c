/**
 * Property-based negative tests derived from openapi.yaml. For each operation with a request
 * body, the body schema is walked (following `$ref`s) and the spec's example body is broken
 * one thing at a time; every answer must be the right 4xx with the shared error shape, and
 * must leave the session exactly as it was. Answers are also checked against the spec by the
 * client's interceptor (test/support/contract.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../src/app.js';
import { DISPATCHED_EVENTS, LISTENED_EVENTS } from '../src/core/events.js';
import { APP_READY, CLIENT_CONNECTED, NEW_FRAME, raw, startService, stopServices, type RawRequest, type RunningService } from '../test/support/service.js';
import {
  applyMutation,
  arrayLengthMutations,
  bodyOperation,
  declaredMethods,
  deepNestingMutations,
  dotted,
  enumMutations,
  fieldsOf,
  HTTP_METHODS,
  malformedJson,
  missingRequiredMutations,
  numberBoundMutations,
  oversizeMutations,
  stringLengthMutations,
  validatorOf,
  wrongContentType,
  wrongTypeMutations,
  undecodableBody,
  type HttpMethod,
  type Mutation,
} from './support/spec-mutations.js';
import { rawBytes } from './support/requests.js';

const CREDS = '/v1/streaming/creds';
const RUNS = { numRuns: 50 };

type Answer = Awaited<ReturnType<typeof raw>>;

/**
 * One service shared by the runs of a describe block, in a non-trivial state: app and RTX
 * ready, a client connected, credentials set (the spec's example), not quitting (so an
 * accidental valid endsession shows as a change of state, not a quit), and every event on the
 * bus recorded (an accidental valid request dispatches one).
 */
class SharedSession {
  #running: RunningService | undefined;
  #dispatched: string[] = [];

  get running(): RunningService {
    if (!this.#running) throw new Error('the shared service is not started');
    return this.#running;
  }

  async start(): Promise<void> {
    const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 30 });
    const dispatched: string[] = [];
    for (const name of [...LISTENED_EVENTS, ...DISPATCHED_EVENTS]) running.service.bus.on(name, () => dispatched.push(name));
    await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    const set = await raw(running, { method: 'POST', path: CREDS, body: JSON.stringify(bodyOperation(CREDS).example), contentType: 'application/json' });
    if (set.status !== 200) throw new Error(`the spec's credentials example answered ${set.status}`);
    expect(running.service.state).toMatchObject({ appReady: true, rtxReady: true, clients: 1, credentialsReceived: true, phase: { name: 'open' } });
    expect(running.service.readiness().reason).toBe('SESSION_ACTIVE');
    this.#running = running;
    this.#dispatched = dispatched;
  }

  /** Everything a bad request could disturb. */
  snapshot() {
    const { service, exits } = this.running;
    return {
      state: service.state,
      readiness: service.readiness(),
      credentials: service.session.credentials,
      dispatched: [...this.#dispatched],
      exits: [...exits],
    };
  }

  /**
   * Sends through `send` and fails if the session changed in any way. A run that changed it
   * gets a fresh service before failing, so that every run fast-check tries while shrinking
   * starts from the same state.
   */
  async unchanged<T>(send: (running: RunningService) => Promise<T>): Promise<T> {
    const before = this.snapshot();
    const outcome = await send(this.running).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const after = this.snapshot();
    try {
      expect(after, 'a rejected request must leave the session as it was').toEqual(before);
    } catch (error) {
      await this.running.service.close();
      await this.start();
      throw error;
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}

/** The shared error shape: `{ status, code, message, errors? }`, plus `success`/`errorMessage` on creds POST. */
function expectErrorShape(answer: Answer, request: RawRequest, code: string | string[]) {
  const body = answer.body;
  expect(body.status).toBe(answer.status);
  if (Array.isArray(code)) expect(code).toContain(body.code);
  else expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(js|ts):\d+/); // no stack trace
  if (request.method === 'POST' && request.path === CREDS) {
    expect(body.success).toBe(false);
    expect(body.errorMessage).toBe(body.message);
  }
}

/** The message names the broken field by its dotted path, and `errors` points at it. */
function expectFieldNamed(answer: Answer, field: string) {
  const parts: string[] = answer.body.message.split('; ');
  const names = (part: string) => part === field || part.startsWith(`${field} `) || part.startsWith(`${field}.`);
  expect(parts.some(names), `message "${answer.body.message}" should name ${field}`).toBe(true);
  const pointer = `/body/${field.replace(/\./g, '/')}`;
  const paths: string[] = (answer.body.errors ?? []).map((e: { path: string }) => e.path);
  expect(
    paths.some((p) => p === pointer || p.startsWith(`${pointer}/`)),
    `errors ${JSON.stringify(paths)} should point at ${pointer}`,
  ).toBe(true);
}

const BODY_OPERATIONS = [CREDS, '/v1/streaming/endsession', '/v1/streaming/events'];

for (const path of BODY_OPERATIONS) {
  const { operationId, schema, example } = bodyOperation(path);
  const fields = fieldsOf(schema, example);
  const validate = validatorOf(schema);
  const exampleText = JSON.stringify(example);
  const noun = operationId;

  describe(`${noun} (POST ${path}) rejects bodies the spec does not allow`, () => {
    const shared = new SharedSession();
    beforeAll(() => shared.start());
    afterAll(stopServices);

    /** Sends the request and checks the session is unchanged and the answer a 4xx error of the shared shape. */
    async function sendBad(request: RawRequest, statuses: number[], code: string | string[]): Promise<Answer> {
      const answer = await shared.unchanged((running) => raw(running, request));
      expect(statuses, `status ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`).toContain(answer.status);
      expectErrorShape(answer, request, code);
      return answer;
    }

    /** A property over one-thing-wrong mutations of the example: 400 VALIDATION_FAILED naming the field. */
    function schemaViolation(name: string, mutations: fc.Arbitrary<Mutation>[]) {
      if (mutations.length === 0) return; // the spec declares no such constraint for this body
      it(`rejects ${noun} ${name}, naming the field, and changes nothing`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.oneof(...mutations), async (mutation) => {
            const { value, text } = applyMutation(example, mutation);
            expect(validate(value), `generator bug: ${JSON.stringify(mutation)} is valid per the spec`).toBe(false);
            const answer = await sendBad({ method: 'POST', path, body: text, contentType: 'application/json' }, [400], 'VALIDATION_FAILED');
            expectFieldNamed(answer, dotted(mutation.path));
          }),
          RUNS,
        );
      });
    }

    it(`takes the spec's example as a valid base body`, () => {
      expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
      expect(fields.length).toBeGreaterThan(0);
    });

    schemaViolation('with a wrong-typed field', wrongTypeMutations(fields));
    schemaViolation('with a required field missing', missingRequiredMutations(fields));
    schemaViolation('with a number out of range or not an integer', numberBoundMutations(fields));
    schemaViolation('with a string outside its enum', enumMutations(fields));
    schemaViolation('with a string too long or too short', stringLengthMutations(fields));
    schemaViolation('with an array of too many or too few items', arrayLengthMutations(fields, example));

    it(`rejects ${noun} whose body is not a JSON object and changes nothing`, async () => {
      const notObject = fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
      await fc.assert(
        fc.asyncProperty(notObject, async (value) => {
          // An array fails the schema; a bare scalar is refused by the strict JSON parser.
          await sendBad({ method: 'POST', path, body: JSON.stringify(value), contentType: 'application/json' }, [400], ['VALIDATION_FAILED', 'MALFORMED_JSON']);
        }),
        RUNS,
      );
    });

    it(`rejects ${noun} with a deeply nested field value (400 naming the field, or 413 when over the limit; never 5xx) and changes nothing`, async () => {
      // From 1000 levels to as many as fit in the body limit, and a little more. A free-form
      // object field (an event's payload) takes any nesting of objects: those are left out.
      const deep = deepNestingMutations(fields, 1000, BODY_LIMIT_BYTES).map((arb) => arb.filter((m) => !validate(applyMutation(example, m).value)));
      await fc.assert(
        fc.asyncProperty(fc.oneof(...deep), async (mutation) => {
          const { text } = applyMutation(example, mutation);
          const request: RawRequest = { method: 'POST', path, body: text, contentType: 'application/json' };
          if (Buffer.byteLength(text) > BODY_LIMIT_BYTES) {
            await sendBad(request, [413], 'PAYLOAD_TOO_LARGE');
          } else {
            const answer = await sendBad(request, [400], 'VALIDATION_FAILED');
            expectFieldNamed(answer, dotted(mutation.path));
          }
        }),
        RUNS,
      );
    });

    it(`rejects ${noun} with a body over the ${BODY_LIMIT_BYTES}-byte limit with 413 and changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(...oversizeMutations(fields, BODY_LIMIT_BYTES)), async (mutation) => {
          const { text } = applyMutation(example, mutation);
          const answer = await sendBad({ method: 'POST', path, body: text, contentType: 'application/json' }, [413], 'PAYLOAD_TOO_LARGE');
          expect(answer.body.message).toContain(`${BODY_LIMIT_BYTES} bytes`);
        }),
        { numRuns: 20 },
      );
    });

    it(`rejects ${noun} with a body that is not valid JSON with 400 MALFORMED_JSON and changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(malformedJson(exampleText), async (text) => {
          const answer = await sendBad({ method: 'POST', path, body: text, contentType: 'application/json' }, [400], 'MALFORMED_JSON');
          expect(answer.body.message).toMatch(/not valid JSON/);
        }),
        RUNS,
      );
    });

    it(`rejects ${noun} with a body that does not decode per its Content-Encoding with 400 and changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(undecodableBody(exampleText), async ({ encoding, hex }) => {
          const request = { method: 'POST' as const, path, body: Buffer.from(hex, 'hex'), headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding } };
          const answer = await shared.unchanged((running) => rawBytes(running, request));
          expect(answer.status, JSON.stringify(answer.body)).toBe(400);
          expectErrorShape(answer, { method: 'POST', path }, ['MALFORMED_JSON', 'VALIDATION_FAILED']);
        }),
        RUNS,
      );
    });

    it(`rejects ${noun} sent as another media type than application/json with 415 and changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(wrongContentType(), async (contentType) => {
          const answer = await sendBad({ method: 'POST', path, body: exampleText, contentType }, [415], 'UNSUPPORTED_MEDIA_TYPE');
          expect(answer.body.message.toLowerCase()).toContain(contentType.split(';')[0]!.trim().toLowerCase());
        }),
        RUNS,
      );
    });
  });
}

describe('every path of the spec refuses the methods it does not declare', () => {
  const shared = new SharedSession();
  beforeAll(() => shared.start());
  afterAll(stopServices);

  const undeclared = declaredMethods().flatMap(({ path, methods }) =>
    HTTP_METHODS.filter((m) => !methods.includes(m)).map((method) => ({ path, method, declared: methods })),
  );

  it('has PUT, DELETE and PATCH undeclared on every path', () => {
    for (const { path } of declaredMethods()) {
      for (const method of ['PUT', 'DELETE', 'PATCH'] as HttpMethod[]) expect(undeclared).toContainEqual(expect.objectContaining({ path, method }));
    }
  });

  it('answers an undeclared method with 405, an Allow header of the declared methods, and changes nothing', async () => {
    // The body, if any, is the example of the path's POST: only the method is wrong.
    const examples = new Map(BODY_OPERATIONS.map((p) => [p, JSON.stringify(bodyOperation(p).example)]));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...undeclared), fc.boolean(), async ({ path, method, declared }, withBody) => {
        const body = withBody && method !== 'GET' ? (examples.get(path) ?? '{}') : undefined;
        const request: RawRequest = { method, path, body, contentType: body === undefined ? undefined : 'application/json' };
        const answer = await shared.unchanged((running) => raw(running, request));
        expect(answer.status).toBe(405);
        expectErrorShape(answer, request, 'METHOD_NOT_ALLOWED');
        expect(answer.body.message).toContain(method);
        const allow = (answer.headers.get('allow') ?? '').split(',').map((m) => m.trim()).filter((m) => m !== 'HEAD');
        expect(new Set(allow)).toEqual(new Set(declared));
      }),
      RUNS,
    );
  });
});
