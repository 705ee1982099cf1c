import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import { startAgones, type AgonesAdapter } from './agones/index.js';
import { createKitEventBus, type KitEventBus } from './core/bus.js';
import { createSystemClock, type Clock } from './core/clock.js';
import type { Readiness } from './core/readiness.js';
import type { SessionState } from './core/machine.js';
import type { Logger } from './core/logger.js';
import { Session } from './core/session.js';
import { createApp, createHandlers, requestListener } from './app.js';
import { closeSilentConnections, guardDescriptors, PendingResponses } from './connections.js';
import { RequestLog } from './http/request-log.js';
import { loadSpec } from './http/spec.js';
import { EventStreams } from './http/stream-events.js';
import { createLogger } from './logger.js';
import { ServiceMetrics } from './metrics.js';
import { loadSettings, type LoadedSettings, type SettingsSources } from './settings/load.js';
import type { Settings } from './settings/table.js';
import { startWebhooks } from './webhooks/index.js';

export interface SessionServiceOptions extends Omit<SettingsSources, 'overrides'>, Omit<ServiceParts, 'env'> {
  /** Settings from code: the highest-precedence source. */
  settings?: Partial<Settings>;
}

/** What a service is made of beside its settings. */
export interface ServiceParts {
  /** The process environment: the Agones SDK sidecar's ports are read from it. */
  env?: Record<string, string | undefined>;
  clock?: Clock;
  logger?: Logger;
  bus?: KitEventBus;
  /**
   * Called after a session ended with `quitOnSessionEnded`, once its answer has been sent
   * and the server closed. Defaults to exiting the process with the code given (0).
   */
  onExit?: (exitCode: number) => void;
  /** Milliseconds `close()` waits for open connections before cutting them. */
  closeTimeoutMs?: number;
}

/** How long close() leaves a connection that has not sent a request yet (its request may be on the way). */
const UNUSED_GRACE_MS = 100;

/** How often Node looks for callers past their headers or request time-out. */
const CONNECTIONS_CHECK_MS = 1000;

export interface ListenOptions {
  port?: number;
  host?: string;
}

export interface SessionService {
  /**
   * The service's request listener: plain GETs of the probes, status and metrics straight
   * to their handlers, every other request through the Express app (built before listening).
   */
  readonly handler: RequestListener;
  readonly bus: KitEventBus;
  readonly session: Session;
  readonly metrics: ServiceMetrics;
  readonly settings: Readonly<Settings>;
  readonly state: SessionState;
  readiness(): Readiness;
  /** Starts the HTTP server; resolves with the URL it answers on. */
  listen(options?: ListenOptions): Promise<{ url: string; port: number; host: string }>;
  /** Ends event streams, stops the server and waits for answers in flight and for the webhook events waiting (webhookFlushSeconds at most). */
  close(): Promise<void>;
  /** Resolves once no answer is pending and no request is waiting to be read (see close()). */
  settle(): Promise<void>;
  /** Resolves when a quit requested by the session has run (`onExit` has been called). */
  readonly exited: Promise<number>;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Loads the settings from the sources given (a `.kit` file, the environment, Kit-style
 * arguments, `settings` from code), logs what loading them noted, and makes the service.
 */
export function createSessionService(options: SessionServiceOptions = {}): SessionService {
  const logger = options.logger ?? createLogger();
  const loaded = loadSettings({ ...options, overrides: options.settings });
  logLoaded(loaded, logger);
  return serviceOf(loaded.settings, { ...options, logger });
}

/** Logs the notes and warnings of loading the settings. */
export function logLoaded({ notes, warnings }: LoadedSettings, logger: Logger): void {
  for (const note of notes) logger.info({}, note);
  for (const warning of warnings) logger.warn({}, warning);
}

/** Makes the service from settings already loaded (the CLI loads them itself). */
export function serviceOf(settings: Settings, options: ServiceParts = {}): SessionService {
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? createSystemClock();
  const bus = options.bus ?? createKitEventBus((err, event) => logger.error({ err, event }, 'event handler failed'));
  const onExit = options.onExit ?? ((code: number) => process.exit(code));
  const responses = new PendingResponses();
  let server: Server | undefined;
  let descriptors: { stop(): void } | undefined;
  const unusedSockets = new Set<Socket>();
  let closing: Promise<void> | undefined;
  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExited = resolve));

  let agones: AgonesAdapter | undefined;
  const session = new Session({
    settings,
    clock,
    bus,
    logger,
    onQuit: (exitCode) => {
      // The answer to endsession must reach its caller before the process goes, and so must
      // the answers to requests sent at the same time, still unread on other connections.
      // Then Agones hears of it (it deletes the pod, and the fleet replaces it).
      void settle()
        .then(() => agones?.shutdown())
        .then(close)
        .then(() => {
          resolveExited(exitCode);
          onExit(exitCode);
        });
    },
  });
  agones = startAgones({ session, settings, env: options.env ?? {}, clock, logger });
  const streams = new EventStreams(session, bus, clock, logger, settings.maxEventStreams);
  const metrics = new ServiceMetrics(session, bus);
  const startedAt = clock.now();
  // The port listened on: still known once the server has closed (the last events name it).
  let listenedPort: number | undefined;
  const port = () => (server?.address() as AddressInfo | null)?.port ?? listenedPort ?? settings.port;
  const webhooks = startWebhooks({
    session,
    bus,
    settings,
    clock,
    logger,
    source: () => settings.webhookSource ?? `livestream-session://${hostname()}:${port()}`,
    onOutcome: (outcome) => metrics.countWebhook(outcome),
  });
  const handlers = createHandlers({ session, bus, logger, streams, responses, settings, clock, startedAt, metrics, port, agones, webhooks: webhooks && (() => webhooks.view()) });
  const app = createApp({ handlers, spec: loadSpec(), logger, access: settings });
  const handler = requestListener({ app, handlers, logger, responses, requests: new RequestLog(logger, metrics) });

  /**
   * Resolves once no answer is pending and a turn of the event loop has brought no new
   * request: closing idle connections at once would drop requests already delivered to them.
   * Under traffic that never pauses, it stops waiting after `closeTimeoutMs`.
   */
  async function settle(): Promise<void> {
    const giveUpAt = performance.now() + (options.closeTimeoutMs ?? 5000);
    do {
      await responses.whenIdle();
      // The first turn reads the connections already readable; the second polls once more.
      await nextTurn();
      await nextTurn();
    } while (!responses.idle && performance.now() < giveUpAt);
  }

  /**
   * Stops the server and, meanwhile, delivers the webhook events still waiting (within
   * webhookFlushSeconds): every way the service quits comes through here before it exits.
   */
  function close(): Promise<void> {
    closing ??= Promise.all([closeServer(), webhooks?.flush()]).then(() => {});
    return closing;
  }

  function closeServer(): Promise<void> {
    return new Promise<void>((resolve) => {
      agones?.stop();
      descriptors?.stop();
      streams.closeAll();
      if (!server?.listening) return resolve();
      const s = server;
      const force = setTimeout(() => s.closeAllConnections(), options.closeTimeoutMs ?? 5000);
      force.unref();
      s.close(() => {
        clearTimeout(force);
        resolve();
      });
      // Node leaves alone both sockets that never sent a request and connections whose
      // answer is still on its way: close those too, as soon as they are idle. A socket
      // accepted a moment ago may have its request on the way: it gets UNUSED_GRACE_MS.
      const closeIdle = () => void responses.whenIdle().then(() => s.closeIdleConnections());
      setTimeout(() => {
        for (const socket of unusedSockets) socket.destroy();
        closeIdle();
      }, UNUSED_GRACE_MS).unref();
      s.closeIdleConnections();
      closeIdle();
    });
  }

  async function listen({ port = settings.port, host = settings.host }: ListenOptions = {}) {
    const s = (server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, handler));
    // Slow or stalled callers lose their connection; the probes never wait behind them.
    s.headersTimeout = settings.headersTimeoutSeconds * 1000;
    s.requestTimeout = settings.requestTimeoutSeconds * 1000;
    closeSilentConnections(s, settings.headersTimeoutSeconds * 1000);
    s.on('connection', (socket: Socket) => {
      unusedSockets.add(socket);
      socket.once('close', () => unusedSockets.delete(socket));
    });
    s.on('request', (req: IncomingMessage) => unusedSockets.delete(req.socket));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    descriptors = guardDescriptors(s, logger, clock);
    const address = s.address() as AddressInfo;
    listenedPort = address.port;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host === undefined ? 'localhost' : shownHost}:${address.port}`;
    logger.info({ url, address: address.address, port: address.port }, 'listening');
    return { url, port: address.port, host: address.address };
  }

  return {
    handler,
    bus,
    session,
    metrics,
    settings,
    get state() {
      return session.state;
    },
    readiness: () => session.readiness(),
    listen,
    close,
    settle,
    exited,
  };
}
