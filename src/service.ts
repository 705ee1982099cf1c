import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import { createKitEventBus, type KitEventBus } from './core/bus.js';
import { createSystemClock, type Clock } from './core/clock.js';
import type { Readiness } from './core/readiness.js';
import type { SessionState } from './core/machine.js';
import { Session, type SessionLogger } from './core/session.js';
import { InflightRequests } from './http/inflight.js';
import type { CredentialsFastPath } from './http/fast-creds.js';
import { Probes } from './http/probes.js';
import { specPath } from './http/spec-path.js';
import { EventStreams } from './http/stream-events.js';
import { createLogger } from './logger.js';
import { loadSettings, type SettingsSources } from './settings/load.js';
import type { Settings } from './settings/table.js';

export interface SessionServiceOptions extends Omit<SettingsSources, 'overrides'> {
  /** Settings from code: the highest-precedence source. */
  settings?: Partial<Settings>;
  clock?: Clock;
  logger?: SessionLogger & { warn(msg: string): void };
  bus?: KitEventBus;
  /** Check every answer against the spec too (costly; meant for tests). */
  validateResponses?: boolean;
  /**
   * Called after a session ended with `quitOnSessionEnded`, once its answer has been sent
   * and the server closed. Defaults to exiting the process with the code given (0).
   */
  onExit?: (exitCode: number) => void;
  /** Milliseconds `close()` waits for open connections before cutting them. */
  closeTimeoutMs?: number;
}

export interface ListenOptions {
  port?: number;
  host?: string;
}

export interface SessionService {
  /**
   * The service's request listener: the probes answered straight from the session, every
   * other request through the Express app (loaded by the first request that needs it).
   */
  readonly handler: RequestListener;
  /** The Express app alone, without the probe fast path; loads it if not loaded yet. */
  app(): Promise<Express>;
  readonly bus: KitEventBus;
  readonly session: Session;
  readonly settings: Readonly<Settings>;
  readonly state: SessionState;
  readiness(): Readiness;
  /** Starts the HTTP server; resolves with the URL it answers on. */
  listen(options?: ListenOptions): Promise<{ url: string; port: number; host: string }>;
  /** Ends event streams, stops the server and waits for answers in flight. */
  close(): Promise<void>;
  /** Resolves when a quit requested by the session has run (`onExit` has been called). */
  readonly exited: Promise<number>;
}

export function createSessionService(options: SessionServiceOptions = {}): SessionService {
  const logger = options.logger ?? createLogger();
  const { settings, warnings } = loadSettings({ ...options, overrides: options.settings });
  for (const warning of warnings) logger.warn(warning);
  const clock = options.clock ?? createSystemClock();
  const bus = options.bus ?? createKitEventBus((err, event) => logger.error({ err, event }, 'event handler failed'));
  const onExit = options.onExit ?? ((code: number) => process.exit(code));
  const inflight = new InflightRequests();
  let server: Server | undefined;
  const unusedSockets = new Set<Socket>();
  let closing: Promise<void> | undefined;
  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExited = resolve));

  const session = new Session({
    settings,
    clock,
    bus,
    logger,
    onQuit: (exitCode) => {
      // The answer to endsession must reach its caller before the process goes.
      void inflight
        .whenIdle()
        .then(close)
        .then(() => {
          resolveExited(exitCode);
          onExit(exitCode);
        });
    },
  });
  const streams = new EventStreams(session, bus);
  const probes = new Probes(session);
  specPath(); // a package without its spec fails here, not at its first request

  // Express, the validator and the spec load when a request first needs them, not at
  // start-up: the probes answer without them, and most of the start-up time was theirs.
  let loadedApp: Express | undefined;
  let fastCredentials: CredentialsFastPath | undefined;
  let loadingApp: Promise<Express> | undefined;
  function app(): Promise<Express> {
    loadingApp ??= Promise.all([import('./app.js'), import('./http/spec.js'), import('./http/fast-creds.js')]).then(
      ([{ createApp, BODY_LIMIT_BYTES }, { loadSpec }, { CredentialsFastPath }]) => {
        const spec = loadSpec();
        const loaded = createApp({ session, bus, logger, spec, streams, inflight, validateResponses: options.validateResponses });
        fastCredentials = CredentialsFastPath.create({ spec: spec.document, session, inflight, bodyLimit: BODY_LIMIT_BYTES });
        return (loadedApp = loaded);
      },
    );
    return loadingApp;
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (probes.handle(req, res)) return;
    if (loadedApp) {
      if (!fastCredentials?.handle(req, res, loadedApp)) loadedApp(req, res);
      return;
    }
    app().then(
      (loaded) => loaded(req, res),
      (err: unknown) => {
        logger.error({ err, method: req.method, url: req.url }, 'request failed: the HTTP app did not load');
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ status: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' }));
      },
    );
  };

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
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
      // answer is still on its way: close those too, as soon as they are idle.
      for (const socket of unusedSockets) socket.destroy();
      s.closeIdleConnections();
      void inflight.whenIdle().then(() => s.closeIdleConnections());
    });
    return closing;
  }

  async function listen({ port = settings.port, host = settings.host }: ListenOptions = {}) {
    const s = (server = createServer(handler));
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
    const address = s.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host === undefined ? 'localhost' : shownHost}:${address.port}`;
    logger.info({ url, address: address.address, port: address.port }, 'listening');
    return { url, port: address.port, host: address.address };
  }

  return {
    handler,
    app,
    bus,
    session,
    settings,
    get state() {
      return session.state;
    },
    readiness: () => session.readiness(),
    listen,
    close,
    exited,
  };
}
