import { Ajv, type ValidateFunction } from 'ajv';
import { createClient, type Client } from '../../src/client.js';
import { loadSpec } from '../../src/http/spec.js';
import { sendEvent } from '../../generated/sdk.gen.js';
import type { ListenedEventName } from '../../generated/types.gen.js';

type MediaObject = { schema?: { $ref?: string } & Record<string, unknown> };
type Operation = { responses: Record<string, { content?: Record<string, MediaObject> }> };

const spec = loadSpec().document as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
};
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: 'spec', components: spec.components });
const cache = new Map<string, ValidateFunction>();

function validatorFor(schema: MediaObject['schema'], key: string): ValidateFunction {
  let validate = cache.get(key);
  if (!validate) {
    const resolved = schema?.$ref ? { $ref: `spec${schema.$ref}` } : { ...schema };
    validate = ajv.compile(resolved);
    cache.set(key, validate);
  }
  return validate;
}

const ERROR_RESPONSE = { $ref: '#/components/schemas/ErrorResponse' };

/**
 * Throws unless the answer is one the spec declares for this method and path: its status,
 * its media type and its body. Errors outside any operation (404, 405) must still have
 * the shared error shape, and no undeclared 5xx may come back.
 */
export function assertMatchesSpec(method: string, pathname: string, status: number, contentType: string | null, body: string): void {
  const where = `${method} ${pathname} → ${status}`;
  const operation = spec.paths[pathname]?.[method.toLowerCase()];
  const media = (contentType ?? '').split(';')[0]!.trim();
  if (status >= 500 && !operation?.responses[String(status)]) throw new Error(`${where}: an undeclared 5xx answer: ${body}`);
  if (!operation) {
    if (status !== 404 && status !== 405) throw new Error(`${where}: no operation, yet not 404/405`);
    return check(where, ERROR_RESPONSE, 'ErrorResponse', media, body);
  }
  const declared = operation.responses[String(status)];
  if (!declared) throw new Error(`${where}: status not declared in the spec (${body})`);
  const mediaObject = declared.content?.[media];
  if (!mediaObject) throw new Error(`${where}: media type ${media} not declared`);
  if (media === 'text/event-stream') return; // endless: its events are checked by the tests
  if (media === 'text/plain') {
    if (mediaObject.schema?.type !== 'string') throw new Error(`${where}: text/plain answer for a non-string schema`);
    return;
  }
  check(where, mediaObject.schema, `${method} ${pathname} ${status} ${media}`, media, body);
}

function check(where: string, schema: MediaObject['schema'], key: string, media: string, body: string): void {
  if (media !== 'application/json') throw new Error(`${where}: not JSON (${media})`);
  const value = JSON.parse(body) as unknown;
  const validate = validatorFor(schema, key);
  if (!validate(value)) throw new Error(`${where}: body does not match the spec: ${ajv.errorsText(validate.errors)}\n${body}`);
}

/** Checks an answer against the spec without consuming it. */
export async function checkResponse(method: string, url: string, response: Response): Promise<void> {
  const type = response.headers.get('content-type');
  const body = type?.startsWith('text/event-stream') ? '' : await response.clone().text();
  assertMatchesSpec(method, new URL(url).pathname, response.status, type, body);
}

/** Throws unless `value` matches the named schema of the spec's components. */
export function assertMatchesSchema(name: string, value: unknown): void {
  const validate = validatorFor({ $ref: `#/components/schemas/${name}` }, `schema ${name}`);
  if (!validate(value)) throw new Error(`${JSON.stringify(value)} does not match ${name}: ${ajv.errorsText(validate.errors)}`);
}

/**
 * The generated client for `baseUrl`, every answer it receives checked against the spec;
 * with `token`, it sends `Authorization: Bearer <token>` on the operations that declare it.
 */
export function specCheckedClient(baseUrl: string, token?: string): Client {
  const client = createClient({ baseUrl, ...(token === undefined ? {} : { auth: token }) });
  client.interceptors.response.use(async (response, request) => {
    await checkResponse(request.method, request.url, response);
    return response;
  });
  return client;
}

/** Sends Kit events through POST /v1/streaming/events, as a streaming app would; each must be accepted. */
export async function sendEvents(client: Client, ...events: ListenedEventName[]): Promise<void> {
  for (const event of events) {
    const { response } = await sendEvent({ client, body: { event } });
    if (response.status !== 202) throw new Error(`event ${event} answered ${response.status}`);
  }
}
