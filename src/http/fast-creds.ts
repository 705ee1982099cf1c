import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Ajv as AjvCore, ValidateFunction } from 'ajv';
import type { StreamingCredentials } from '../../generated/types.gen.js';
import { credentialsProblems } from '../core/credentials.js';
import type { Session } from '../core/session.js';
import type { InflightRequests } from './inflight.js';
import type { RequestOutcomes } from './request-log.js';
import { CREDS_PATH } from './paths.js';
import { ACCEPTED, knownFields } from './set-credentials.js';
import type { OpenApiDocument } from './spec.js';

type Fallback = (req: IncomingMessage, res: ServerResponse) => void;

// A string, sent in one write with the head (a Buffer takes two).
const ACCEPTED_BODY = JSON.stringify(ACCEPTED);
const ACCEPTED_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(ACCEPTED_BODY)) };
/** The media types for which the body parser reads UTF-8 JSON and the validator checks the schema. */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/**
 * Takes `POST /v1/streaming/creds` past Express when the body is plain UTF-8 JSON that
 * the spec's schema accepts, checked by the validator's own Ajv (draft-04, as for
 * OpenAPI 3.0), compiled from the same spec. Any other request, and any body the check
 * does not accept, goes to Express with its bytes put back, so that every rejection is
 * the one the body parser and the validator give.
 */
export class CredentialsFastPath {
  readonly #validate: ValidateFunction;

  private constructor(
    validate: ValidateFunction,
    private readonly session: Session,
    private readonly inflight: InflightRequests,
    private readonly bodyLimit: number,
    private readonly hasAccess: (req: IncomingMessage) => boolean,
    private readonly outcomes: RequestOutcomes,
  ) {
    this.#validate = validate;
  }

  /** Undefined when the schema uses what this check cannot mirror: Express then takes every request. */
  static create(deps: {
    spec: OpenApiDocument;
    session: Session;
    inflight: InflightRequests;
    bodyLimit: number;
    /** A request without the access token goes to Express, which refuses it. */
    hasAccess: (req: IncomingMessage) => boolean;
    outcomes: RequestOutcomes;
  }): CredentialsFastPath | undefined {
    const validate = compileCredentialsSchema(deps.spec);
    return validate && new CredentialsFastPath(validate, deps.session, deps.inflight, deps.bodyLimit, deps.hasAccess, deps.outcomes);
  }

  /** Takes the request if it may be for the fast path; `fallback` answers it otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, fallback: Fallback): boolean {
    if (req.method !== 'POST' || req.url !== CREDS_PATH) return false;
    const h = req.headers;
    const type = h['content-type'];
    if (type === undefined || !PLAIN_JSON.has(type.toLowerCase()) || h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined) return false;
    const declared = h['content-length'];
    const length = declared !== undefined && /^\d{1,7}$/.test(declared) ? Number(declared) : 0;
    if (length === 0 || length > this.bodyLimit || !this.hasAccess(req)) return false;
    const started = process.hrtime.bigint();

    this.inflight.track(res);
    const chunks: Buffer[] = [];
    let received = 0;
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = req.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        received += chunk.length;
      }
      if (received < length) return;
      req.off('readable', onReadable);
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      const credentials = this.#accept(body);
      if (credentials) {
        this.session.setCredentials(knownFields(credentials));
        res.writeHead(200, ACCEPTED_HEADERS);
        res.end(ACCEPTED_BODY);
        this.outcomes.record('POST', CREDS_PATH, 200, started);
        return;
      }
      // Synchronously, before the stream can end: the body parser reads these bytes again.
      req.unshift(body);
      fallback(req, res);
    };
    req.on('readable', onReadable);
    return true;
  }

  #accept(body: Buffer): StreamingCredentials | undefined {
    // The body parser's strict mode: only an object or an array; a BOM goes to it too.
    if (body[0] !== 0x7b) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!this.#validate(value)) return undefined;
    // What a WebRTC stack would refuse goes to Express too, which answers with the reasons.
    return credentialsProblems(value as StreamingCredentials).length === 0 ? (value as StreamingCredentials) : undefined;
  }
}

/** The validator's Ajv, reached through the validator so that both use the very same one. */
function compileCredentialsSchema(spec: OpenApiDocument): ValidateFunction | undefined {
  try {
    const fromValidator = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
    const { default: AjvDraft04 } = fromValidator('ajv-draft-04') as { default: typeof AjvCore };
    const refuse = (message: unknown) => {
      throw new Error(String(message));
    };
    const ajv = new AjvDraft04({
      strictSchema: 'log',
      strictNumbers: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
      allErrors: false,
      formats: { password: true },
      // An unknown format or keyword is a warning to Ajv; here it turns the fast path off.
      logger: { log() {}, warn: refuse, error: refuse },
    });
    ajv.addKeyword('example');
    // The spec's schemas as definitions of one schema, their references pointing there.
    const definitions = JSON.parse(JSON.stringify((spec.components as { schemas: object }).schemas).replaceAll('"#/components/schemas/', '"#/definitions/'));
    ajv.addSchema({ id: 'spec', definitions }, 'spec');
    return ajv.compile({ $ref: 'spec#/definitions/StreamingCredentials' });
  } catch {
    return undefined;
  }
}
