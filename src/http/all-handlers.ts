import type { WebhookView } from '../../generated/types.gen.js';
import type { AgonesAdapter } from '../agones/index.js';
import type { KitEventBus } from '../core/bus.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Session } from '../core/session.js';
import type { ServiceMetrics } from '../metrics.js';
import type { Settings } from '../settings/table.js';
import { endSession } from './end-session.js';
import { getMetrics } from './get-metrics.js';
import { getStatus } from './get-status.js';
import { NO_INPUT, type ErrorShapes, type Handlers } from './handlers.js';
import type { InflightRequests } from './inflight.js';
import { checkReady, checkStartup } from './probes.js';
import { sendEvent } from './send-event.js';
import { credentialsRejection, setCredentials } from './set-credentials.js';
import { streamEvents, type EventStreams } from './stream-events.js';

export interface HandlerDependencies {
  session: Session;
  bus: KitEventBus;
  logger: Logger;
  streams: EventStreams;
  inflight: InflightRequests;
  settings: Readonly<Settings>;
  clock: Clock;
  /** The clock's time the service started at, for its uptime. */
  startedAt: number;
  metrics: ServiceMetrics;
  /** The port the server listens on. */
  port: () => number;
  /** Set when the pod is an Agones GameServer. */
  agones?: AgonesAdapter;
  /** Set when webhookUrl is: each receiver's queue, for /status. */
  webhooks?: () => WebhookView[];
}

/** The handler of every operation in the spec. */
export function createHandlers(deps: HandlerDependencies): Handlers {
  const ready = checkReady(deps.session);
  return {
    checkReady: ready,
    // HEAD: the GET's status and headers; Node sends no body with them.
    checkReadyHead: (_request, exchange) => ready(NO_INPUT, exchange),
    checkStartup,
    checkStartupHead: (_request, exchange) => checkStartup(NO_INPUT, exchange),
    setCredentials: setCredentials(deps.session),
    endSession: endSession(deps.session, deps.logger),
    sendEvent: sendEvent(deps.bus, deps.session),
    streamEvents: streamEvents(deps.streams, deps.inflight),
    getStatus: getStatus(deps.session, deps.settings, deps.clock, deps.startedAt, deps.port, deps.agones, deps.webhooks),
    getMetrics: getMetrics(deps.metrics),
  };
}

/** The error shape of each operation whose errors are not the shared shape as it is. */
export const ERROR_SHAPES: ErrorShapes = { setCredentials: credentialsRejection };
