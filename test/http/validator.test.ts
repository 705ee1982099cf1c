// The validator is given a view of the spec made for checking requests, and builds no
// validator for the spec itself. Both only save time: what it answers must not change.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSpec, type OpenApiDocument } from '../../src/http/spec.js';
import { requestValidator, requestView, skipSpecSchemaCompile, VALIDATOR_OPTIONS } from '../../src/http/validator.js';

const { document } = loadSpec();

describe('the view of the spec the validator is given', () => {
  const view = requestView(document);

  it('has no answers, no documentation and no $ref to a component schema, and leaves the spec as it was', () => {
    const before = JSON.stringify(document);
    const text = JSON.stringify(requestView(document));
    expect(JSON.stringify(document)).toBe(before);
    expect(text).not.toMatch(/"(responses|description|summary|example|examples)":/);
    expect(text).not.toContain('#/components/schemas/');
    expect(view.components?.schemas).toEqual({});
    expect(Object.keys(view.paths)).toEqual(Object.keys(document.paths));
  });

  it('writes each schema where it is used, keeps properties named like documentation, and keeps data as it is', () => {
    const spec: OpenApiDocument = {
      openapi: '3.0.3',
      paths: {
        '/a': {
          post: {
            description: 'documentation',
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' }, example: { x: 1 } } } },
            responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Answer' } } } } },
          },
        },
      },
      components: {
        schemas: {
          A: {
            type: 'object',
            description: 'documentation',
            properties: {
              description: { type: 'string', description: 'a property named description' },
              example: { $ref: '#/components/schemas/B' },
              tree: { $ref: '#/components/schemas/Tree' },
            },
          },
          B: { type: 'object', default: { description: 'data' }, enum: [{ example: 1 }, null], 'x-note': { summary: 'data' } },
          Tree: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } } },
          Answer: { type: 'string' },
        },
      },
    };
    expect(requestView(spec)).toEqual({
      openapi: '3.0.3',
      paths: {
        '/a': {
          post: {
            requestBody: {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      description: { type: 'string' },
                      example: { type: 'object', default: { description: 'data' }, enum: [{ example: 1 }, null], 'x-note': { summary: 'data' } },
                      // A schema that contains itself is written once, then named.
                      tree: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } } },
                    },
                  },
                },
              },
            },
          },
        },
      },
      components: { schemas: { Tree: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } } } } },
    });
  });

  it('is validated by a validator that builds none for the spec itself (express-openapi-validator as pinned)', () => {
    // When an upgrade moves the class this replaces, this fails: the saving is gone, not correctness.
    expect(skipSpecSchemaCompile()).toBe(true);
  });
});

describe('an application that embeds the service', () => {
  it('still has its own spec checked against the OpenAPI meta-schema when it asks for that', async () => {
    expect(skipSpecSchemaCompile()).toBe(true);
    const invalid = { openapi: '3.0.3', info: { title: 'an app', version: '1' }, paths: { '/a': { get: { responses: 'none' } } } };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const server = createServer(appWith(OpenApiValidator.middleware({ apiSpec: invalid as never, validateApiSpec: true }) as RequestHandler[])).listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/a`);
      expect(answer.status).toBe(500);
      expect((await answer.json()).message).toContain('args.apiDoc was invalid');
    } finally {
      server.close();
      errors.mockRestore();
    }
  });
});

/** An app that checks requests with `validator` and answers what it made of them. */
function appWith(validator: RequestHandler[]): express.Express {
  const app = express();
  app.use(express.json(), ...validator);
  app.use((req, res) => void res.json({ body: req.body, query: req.query }));
  app.use(((err: { status?: number; message: string; errors?: unknown }, _req, res, _next) => {
    res.status(err.status ?? 500).json({ message: err.message, errors: err.errors });
  }) satisfies ErrorRequestHandler);
  return app;
}

describe('requests checked against the view', () => {
  const servers: Server[] = [];
  let full: string;
  let viewed: string;

  beforeAll(async () => {
    const listen = async (app: express.Express) => {
      const server = createServer(app).listen(0, '127.0.0.1');
      servers.push(server);
      await once(server, 'listening');
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    full = await listen(appWith(OpenApiValidator.middleware({ ...VALIDATOR_OPTIONS, apiSpec: structuredClone(document) as never }) as RequestHandler[]));
    viewed = await listen(appWith(requestValidator(document)));
  });
  afterAll(() => servers.forEach((server) => server.close()));

  // Values near the edges of the spec's request schemas: ports and booleans as strings, enums.
  const leaf = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom('3478', '03478', '65535', '65536', '0', ' 3478', '1e3', '', 'true', 'TRUE', 'yes', 'off', 'tru', 'UDP', 'udp', 'TLS', 'RELAY', 'ALL', 'turn:192.0.2.1:3478'),
    fc.constantFrom('omni.kit.app.GLOBAL_EVENT_APP_READY', 'omni.kit.livestream.client_connected:immediate', 'omni.usd.StageRenderingEventType.NEW_FRAME'),
    fc.integer({ min: -2, max: 70_000 }),
    fc.double({ noNaN: true, min: -1, max: 70_000 }),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.oneof({ weight: 6, arbitrary: leaf }, { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), leaf, { maxKeys: 3 }) });
  const optional = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) => fc.record(fields, { requiredKeys: [] });
  const turnDetails = optional({ username: value, password: value, uris: fc.oneof(value, fc.array(leaf, { maxLength: 3 })), relayProtocol: value, transportPolicy: value, relayLocation: value });
  const credentials = optional({ stunIp: value, stunPort: value, username: value, password: value, privateSharedPort: value, turnDetails: fc.oneof(turnDetails, value) });
  const endSession = optional({ sessionId: value, gracefulShutdown: value });
  const event = optional({ event: value, payload: fc.oneof(optional({ clientId: value }), value) });
  /** A body of the operation's shape, sometimes with a field more, or something else altogether. */
  const bodyLike = (shape: fc.Arbitrary<Record<string, unknown>>) =>
    fc.oneof(
      { weight: 6, arbitrary: shape },
      { weight: 1, arbitrary: fc.tuple(shape, fc.string({ maxLength: 5 }), value).map(([body, key, extra]) => ({ ...body, [key]: extra })) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
    );
  const request = fc.oneof(
    fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/streaming/creds'), body: bodyLike(credentials) }),
    fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/streaming/endsession'), body: bodyLike(endSession) }),
    fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/streaming/events'), body: bodyLike(event) }),
    fc.record({ method: fc.constant('POST'), path: fc.constantFrom('/v1/streaming/ready', '/nowhere'), body: bodyLike(event) }),
    fc.record({ method: fc.constant('GET'), path: fc.constantFrom('/v1/streaming/status?x=1', '/v1/streaming/ready', '/v1/streaming/events', '/v1/streaming/creds') }),
  );

  it('answers every request as the whole spec does', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, ...rest }) => {
        const init = { method, ...('body' in rest ? { body: JSON.stringify(rest.body), headers: { 'content-type': 'application/json' } } : {}) };
        const [a, b] = await Promise.all([full, viewed].map(async (base) => {
          const answer = await fetch(base + path, init);
          return { status: answer.status, body: await answer.json() };
        }));
        expect(b).toEqual(a);
      }),
      { numRuns: 500 },
    );
  });
});
