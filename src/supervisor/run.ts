import type { Clock } from '../core/clock.js';
import type { ListenedEventName } from '../core/events.js';
import type { SessionService } from '../service.js';
import type { Settings } from '../settings/table.js';
import { exitCodeForAppExit, SupervisedApp, type AppExit } from './child.js';
import { watchRule, type ProbeDeps } from './probes.js';
import { parseReadyRule, READY_RULE_SETTINGS, type ReadyRule } from './ready-rules.js';

/** The environment variable that gives the application the base URL of the local event API. */
export const SESSION_URL_ENV = 'LIVESTREAM_SESSION_URL';

/** Splits at the first `--` that stands alone: our arguments, then the application's command. */
export function splitCommand(argv: readonly string[]): { own: string[]; command: string[] | undefined } {
  const dash = argv.indexOf('--');
  return dash < 0 ? { own: [...argv], command: undefined } : { own: argv.slice(0, dash), command: argv.slice(dash + 1) };
}

export interface SupervisorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** The readiness rules set, with the event each raises. */
export function readyRules(settings: Readonly<Settings>): Array<{ setting: string; rule: ReadyRule; event: ListenedEventName }> {
  return READY_RULE_SETTINGS.flatMap(({ name: setting, event }) => {
    const text = settings[setting];
    if (text === undefined) return [];
    const rule = parseReadyRule(text);
    // Settings were checked when loaded; a rule that does not parse cannot get here.
    if ('error' in rule) throw new Error(`${setting}: ${rule.error}`);
    return [{ setting, rule, event }];
  });
}

/** Raises each rule's event on the service's bus once the rule holds; returns a function that stops them all. */
export function watchReadyRules(service: SessionService, deps: ProbeDeps & { logger: SupervisorLogger }): () => void {
  const stops = readyRules(service.settings).map(({ setting, rule, event }) =>
    watchRule(
      rule,
      () => {
        deps.logger.info({ setting, event }, 'readiness rule held');
        service.bus.emit(event);
      },
      deps,
    ),
  );
  return () => {
    for (const stop of stops) stop();
  };
}

export interface SuperviseOptions {
  service: SessionService;
  command: string;
  args: readonly string[];
  /** Base URL of the local event API, passed to the application. */
  url: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  logger: SupervisorLogger;
  /** Where the application's output goes, line by line. */
  write: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Ends the process; `process.exit` in the CLI. */
  exit: (code: number) => void;
}

export interface Supervision {
  readonly app: SupervisedApp;
  /** Stops the application (SIGTERM, grace, SIGKILL), closes the service, exits with `code`. */
  shutDown(code: number): Promise<void>;
}

/**
 * Runs the streaming application beside the service: its output is passed through and
 * read by the readiness rules; it is stopped when the session ends with quitOnSessionEnded
 * or the service is told to stop; and if it exits by itself the instance is recycled.
 */
export function supervise(options: SuperviseOptions): Supervision {
  const { service, clock, logger } = options;
  const lineListeners = new Set<(line: string) => void>();
  const app = new SupervisedApp({
    command: options.command,
    args: options.args,
    env: { ...options.env, [SESSION_URL_ENV]: options.url },
    clock,
    graceMs: service.settings.appStopGraceSeconds * 1000,
    onLine: (stream, line) => {
      options.write(stream, line);
      for (const listener of [...lineListeners]) listener(line);
    },
  });
  // Arguments may carry secrets (a token, a password): only how many there are is logged.
  logger.info({ command: options.command, argCount: options.args.length, pid: app.pid }, 'application started');
  const stopRules = watchReadyRules(service, {
    clock,
    logger,
    onLine: (listener) => {
      lineListeners.add(listener);
      return () => lineListeners.delete(listener);
    },
  });

  let shuttingDown: Promise<void> | undefined;
  const shutDown = (code: number) =>
    (shuttingDown ??= (async () => {
      stopRules();
      const exit = await app.stop();
      logger.info({ ...exit }, 'application stopped');
      await service.close();
      options.exit(code);
    })());

  void app.exited.then((exit: AppExit) => {
    stopRules();
    // Expected when we stop it, or when it quits on hearing that the session ended.
    if (shuttingDown || service.state.phase.name === 'recycling') {
      logger.info({ ...exit }, 'application exited');
      return;
    }
    const code = exitCodeForAppExit(exit);
    logger.warn({ ...exit, exitCode: code }, 'application exited by itself: recycle the instance');
    service.session.appExited();
    // Whatever it started goes with it.
    shuttingDown = app
      .stop()
      .then(() => service.close())
      .then(() => options.exit(code));
  });

  return { app, shutDown };
}
