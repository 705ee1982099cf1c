import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { KitEventBus } from './core/bus.js';
import type { Session, SessionLogger } from './core/session.js';
import { checkReady } from './http/check-ready.js';
import { checkStartup } from './http/check-startup.js';
import { docsRouter } from './http/docs.js';
import { endSession } from './http/end-session.js';
import { errorHandler, notFound } from './http/errors.js';
import type { InflightRequests } from './http/inflight.js';
import { requireAccess } from './http/access.js';
import { getMetrics } from './http/get-metrics.js';
import { getStatus } from './http/get-status.js';
import { mountOperations, type OperationHandlers } from './http/operations.js';
import { CREDS_PATH, END_SESSION_PATH, EVENTS_PATH } from './http/paths.js';
import type { RequestOutcomes } from './http/request-log.js';
import { sendEvent } from './http/send-event.js';
import { setCredentials } from './http/set-credentials.js';
import type { LoadedSpec } from './http/spec.js';
import type { EventStreams } from './http/stream-events.js';
import type { Clock } from './core/clock.js';
import type { ServiceMetrics } from './metrics.js';
import type { Settings } from './settings/table.js';

/** Largest request body accepted; credentials bodies are well under 2 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface AppDependencies {
  session: Session;
  bus: KitEventBus;
  logger: SessionLogger;
  spec: LoadedSpec;
  streams: EventStreams;
  inflight: InflightRequests;
  settings: Readonly<Settings>;
  clock: Clock;
  /** The clock's time the service started at, for its uptime. */
  startedAt: number;
  metrics: ServiceMetrics;
  /** Logs and counts every answer. */
  outcomes: RequestOutcomes;
  /** Check every answer against the spec too (on in tests). */
  validateResponses?: boolean;
}

/** Builds the HTTP app; never listens. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(deps.inflight.middleware);
  app.use(deps.outcomes.middleware);
  app.use(docsRouter(deps.spec));
  // Access first, so that no body is read for a caller without the token.
  const guard = requireAccess(deps.settings.accessToken);
  app.post(CREDS_PATH, guard);
  app.post(END_SESSION_PATH, guard);
  app.use(EVENTS_PATH, requireAccess(deps.settings.accessToken, { localOnly: true }));
  app.use(express.json({ limit: BODY_LIMIT_BYTES }));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: structuredClone(deps.spec.document) as never,
      validateRequests: { allowUnknownQueryParameters: true },
      // requireAccess checks the token (in constant time); the spec only declares it.
      validateSecurity: false,
      validateResponses: deps.validateResponses ?? false,
      ignoreUndocumented: false,
    }),
  );
  const handlers: OperationHandlers = {
    checkReady: checkReady(deps.session),
    checkStartup: checkStartup(),
    setCredentials: setCredentials(deps.session),
    endSession: endSession(deps.session, deps.logger),
    sendEvent: sendEvent(deps.bus),
    getStatus: getStatus(deps.session, deps.settings, deps.clock, deps.startedAt),
    getMetrics: getMetrics(deps.metrics),
    streamEvents: (req, res, next) => {
      deps.inflight.release(res);
      deps.streams.handler(req, res, next);
    },
  };
  const router = express.Router();
  mountOperations(router, deps.spec.document, handlers);
  app.use(router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
