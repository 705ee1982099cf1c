import type { Clock } from '../core/clock.js';
import { SESSION_ENDED_EVENT, type ListenedEventName } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { SessionService } from '../service.js';
import { parseReadyRule, READY_RULE_SETTINGS, type ReadyRule } from '../settings/ready-rules.js';
import { SESSION_URL_ENV, type Settings } from '../settings/table.js';
import { exitCodeForAppExit, SupervisedApp, type SupervisedAppOptions } from './child.js';
import { watchRule, type ProbeDeps } from './probes.js';

/** Splits at the first `--` that stands alone: our arguments, then the application's command. */
export function splitCommand(argv: readonly string[]): { own: string[]; command: string[] | undefined } {
  const dash = argv.indexOf('--');
  return dash < 0 ? { own: [...argv], command: undefined } : { own: argv.slice(0, dash), command: argv.slice(dash + 1) };
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
export function watchReadyRules(service: SessionService, deps: ProbeDeps & { logger: Logger }): () => void {
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
  logger: Logger;
  /** Where the application's stdout and stderr go. */
  output?: SupervisedAppOptions['output'];
  /** Says something to the person at the terminal (stderr in the CLI). */
  say?: (message: string) => void;
  /** Ends the process; `process.exit` in the CLI, once the output is written. */
  exit: (code: number) => void;
}

export interface Supervision {
  readonly app: SupervisedApp;
  /** Stops the application (SIGTERM, grace, SIGKILL), closes the service, exits with `code`. */
  shutDown(code: number): Promise<void>;
  /** Kills the application's group at once and exits. */
  killNow(): void;
}

/**
 * Runs the streaming application beside the service: its output is passed through and
 * read by the readiness rules; it is stopped when the session ends with quitOnSessionEnded
 * or the service is told to stop; and if it exits by itself the instance is recycled.
 * Whichever comes first, the app's own exit or the service's decision to stop, sets the
 * exit code: an app that failed first is reported as failed, whatever follows.
 */
export function supervise(options: SuperviseOptions): Supervision {
  const { service, clock, logger } = options;
  let exitCode: number | undefined;
  const decide = (code: number) => (exitCode ??= code);
  let finishing: Promise<void> | undefined;
  /** Stops what is left of the app's group, lets answers in flight go out, closes, exits. */
  const finish = () =>
    (finishing ??= (async () => {
      stopRules();
      const exit = await app.stop();
      logger.info({ ...exit }, 'application stopped');
      await service.settle();
      await service.close();
      options.exit(exitCode!);
    })());

  const app = new SupervisedApp({
    command: options.command,
    args: options.args,
    env: { ...options.env, [SESSION_URL_ENV]: options.url },
    clock,
    graceMs: service.settings.appStopGraceSeconds * 1000,
    output: options.output,
    onExit: (exit) => {
      stopRules();
      // Expected when we stop it, or when it quits on hearing that the session ended;
      // unless it had died before that (its exit not heard yet): then it failed first.
      const expected = exitCode !== undefined || service.state.phase.name === 'recycling';
      if (expected && !diedFirst) {
        logger.info({ ...exit }, 'application exited');
        return;
      }
      exitCode = exitCodeForAppExit(exit);
      if (app.startError === undefined) logger.warn({ ...exit, exitCode }, 'application exited by itself: recycle the instance');
      if (service.state.phase.name !== 'recycling') service.session.appExited();
      void finish();
    },
  });
  let diedFirst = false;
  let decided = false;
  /**
   * The service decides to stop (the session ended, a signal came): was the app dead already?
   * Asked once, at the first decision: the quit that follows a session's end (after its
   * answer has gone out) is no new decision, and an app that died meanwhile did not die first.
   */
  const deciding = () => {
    if (decided) return;
    decided = true;
    diedFirst = exitCode === undefined && app.isDead;
  };
  service.bus.on(SESSION_ENDED_EVENT, deciding);
  if (app.startError !== undefined) {
    logger.error({ command: options.command, reason: app.startError }, 'application could not be started');
    options.say?.(`cannot start ${options.command}: ${app.startError}`);
  } else {
    // Arguments may carry secrets (a token, a password): only how many there are is logged.
    logger.info({ command: options.command, argCount: options.args.length, pid: app.pid }, 'application started');
  }
  const stopRules = watchReadyRules(service, { clock, logger, onLine: (listener) => app.onLine(listener) });

  return {
    app,
    shutDown: (code) => {
      deciding();
      decide(code);
      return finish();
    },
    killNow: () => {
      app.kill();
      options.exit(decide(0));
    },
  };
}
