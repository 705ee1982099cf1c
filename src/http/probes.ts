import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readiness, ReadinessReason } from '../core/readiness.js';
import { READINESS_TABLE } from '../core/readiness.js';
import type { Session } from '../core/session.js';
import { READY_PATH, STARTUP_PATH } from './paths.js';

/** One probe answer: status, headers and body, the same whichever path answers it. */
export interface ProbeAnswer {
  readonly status: number;
  /** In the order they go out: the probe headers, then those `res.json()` sets. */
  readonly headers: Readonly<Record<string, string>>;
  /** A string: Node sends it in one write with the head, where a Buffer takes two. */
  readonly body: string;
}

/** Probe manners: never cache a probe; a 503 says when to ask again. */
export function probeHeaders(status: number): Record<string, string> {
  return status === 503 ? { 'Cache-Control': 'no-store', 'Retry-After': '1' } : { 'Cache-Control': 'no-store' };
}

function answer(status: number, value: object): ProbeAnswer {
  const body = JSON.stringify(value);
  return {
    status,
    headers: { ...probeHeaders(status), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) },
    body,
  };
}

export const STARTUP_BODY = { statusMessage: 'Status: Startup endpoint OK' } as const;
const STARTUP_ANSWER = answer(200, STARTUP_BODY);

/** The readiness answer's body: the readiness without its HTTP status. */
export function readinessBody({ httpStatus: _, ...body }: Readiness): Omit<Readiness, 'httpStatus'> {
  return body;
}

export function readinessAnswer(readiness: Readiness): ProbeAnswer {
  return answer(readiness.httpStatus, readinessBody(readiness));
}

/**
 * Answers `GET /v1/streaming/ready` and `GET /v1/streaming/startup` straight from the
 * session, before Express and the validator: a session manager polls them all the time.
 * The answers are the very bytes the Express handlers send. Anything else (another method,
 * a query string, a body, another spelling of the path) is declined and goes to Express,
 * which validates it and answers or rejects it as for any other path.
 */
export class Probes {
  /** Every readiness answer but the resume window's, whose seconds left change with time. */
  readonly #byReason = new Map<ReadinessReason, ProbeAnswer>();
  #current: ProbeAnswer | undefined;
  readonly #unsubscribe: () => void;

  constructor(private readonly session: Session) {
    for (const row of READINESS_TABLE) {
      if (row.reason !== 'AWAITING_RESUME') this.#byReason.set(row.reason, answer(row.httpStatus, { statusMessage: row.statusMessage, reason: row.reason }));
    }
    this.#current = this.#byReason.get(session.readiness().reason);
    this.#unsubscribe = session.onReadinessChange((readiness) => (this.#current = this.#byReason.get(readiness.reason)));
  }

  /** Answers the request if it is a probe the fast path can answer; says whether it did. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || !isBodiless(req)) return false;
    if (req.url === READY_PATH) {
      send(res, this.#current ?? readinessAnswer(this.session.readiness()));
      return true;
    }
    if (req.url === STARTUP_PATH) {
      send(res, STARTUP_ANSWER);
      return true;
    }
    return false;
  }

  dispose(): void {
    this.#unsubscribe();
  }
}

/** A request that carries or announces a body goes through the body parser, as it always did. */
function isBodiless(req: IncomingMessage): boolean {
  const h = req.headers;
  return h['content-length'] === undefined && h['transfer-encoding'] === undefined && h['content-type'] === undefined && h['content-encoding'] === undefined;
}

function send(res: ServerResponse, { status, headers, body }: ProbeAnswer): void {
  res.writeHead(status, headers);
  res.end(body);
}
