#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { createSystemClock } from './core/clock.js';
import { APP_READY_EVENT, NEW_FRAME_EVENT } from './core/events.js';
import { createCliLogger, logFormat, LOG_LEVELS } from './logger.js';
import { logLoaded, serviceOf, type SessionService } from './service.js';
import { isKitArg, loadSettings, SettingsError } from './settings/load.js';
import { settingsHelp } from './settings/reference.js';
import { SESSION_URL_ENV } from './settings/table.js';
import { waitingHint } from './start-hint.js';
import { ProcessOutput } from './supervisor/process-output.js';
import { readyRules, splitCommand, supervise, watchReadyRules, type Supervision } from './supervisor/run.js';

function usage(docsUrl: string): string {
  return `Usage: livestream-session [options] [--/<setting path>=<value> ...] [-- <command> [args...]]
       livestream-session check <base-url> [options] [--run -- <command> [args...]]  (see check --help)

Controls a cloud streaming session (NVCF, Kubernetes), compatible with the
Omniverse Kit extension omni.services.livestream.session.

With a command after --, runs it as the streaming application and supervises it:
its output is passed through, ${SESSION_URL_ENV} gives it the base URL of the local
event API, it is stopped (SIGTERM to its process group, SIGKILL after
appStopGraceSeconds) when the session ends with quitOnSessionEnded or on SIGTERM, SIGINT,
SIGHUP, SIGQUIT or SIGUSR2,
and if it exits by itself the service exits non-zero so the instance is recycled.

Options:
  -c, --config <file>  read the [settings] table of a .kit (TOML) file
      --simulate       raise app-ready and first-frame by itself (no streaming app needed)
      --pretty         readable log lines instead of JSON (as on a terminal)
  -h, --help           show this help
  -v, --version        show the version

Settings (file < environment < --/ arguments):
${settingsHelp()}

Logging (environment):
  LOG_LEVEL=<level>    ${LOG_LEVELS.join(', ')} (default info)
  LOG_FORMAT=<format>  json (one object a line; default unless stdout is a terminal)
                       or pretty (readable lines; default on a terminal, as --pretty)

Docs page: ${docsUrl}
`;
}

/** Where the docs page of the service these options would start is, as far as they tell. */
function docsUrl(options: { config?: string; kitArgs: string[] }): string {
  try {
    const { settings } = loadSettings({ configFile: options.config, env: process.env, args: options.kitArgs });
    if (settings.port === 0) return '/docs on the port the listening line names (port 0: any free port)';
    const host = settings.host ?? 'localhost';
    return `http://${host.includes(':') ? `[${host}]` : host}:${settings.port}/docs`;
  } catch (error) {
    if (error instanceof SettingsError) return `/docs on the service's port (the settings given do not load: ${error.message.split('\n')[0]})`;
    throw error;
  }
}

function fail(message: string, code = 2): never {
  process.stderr.write(`livestream-session: ${message}\n`);
  process.exit(code);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parseCommandLine(argv: string[]) {
  const kitArgs = argv.filter(isKitArg);
  try {
    const { values } = parseArgs({
      args: argv.filter((arg) => !isKitArg(arg)),
      options: {
        config: { type: 'string', short: 'c' },
        simulate: { type: 'boolean', default: false },
        pretty: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    return { ...values, kitArgs };
  } catch (error) {
    return fail(`${(error as Error).message}\nTry 'livestream-session --help'.`);
  }
}

/** Each of these stops the service as SIGTERM does (a second one stops it at once). */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const;

function handleSignals(stop: () => void, stopNow: () => void, say: (message: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return stopNow();
    stopping = true;
    say(`${signal}, closing`);
    stop();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}

/** Where the application can reach the local event API: a loopback address unless bound to one interface. */
function localUrl(address: { host: string; port: number }): string {
  const host = address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

async function main(argv: string[]): Promise<void> {
  const { own, command } = splitCommand(argv);
  const options = parseCommandLine(own);
  if (options.help) {
    process.stdout.write(usage(docsUrl(options)));
    return;
  }
  if (options.version) {
    process.stdout.write(`${version()}\n`);
    return;
  }
  if (command !== undefined && command.length === 0) fail(`expected a command after --\nTry 'livestream-session --help'.`);
  const clock = createSystemClock();
  const output = command === undefined ? undefined : new ProcessOutput(clock);
  let supervision: Supervision | undefined;
  // On every way out, a crash included, nothing of the application's is left running.
  process.once('exit', () => supervision?.app.kill());
  let logger: Logger;
  let service: SessionService;
  try {
    logger = createCliLogger({ destination: output?.stdout.logDestination, format: logFormat(process.env, { pretty: options.pretty, terminal: process.stdout.isTTY === true }) });
    // The composition root: the settings are loaded here, once, and handed down.
    const loaded = loadSettings({ configFile: options.config, env: process.env, args: options.kitArgs });
    logLoaded(loaded, logger);
    service = serviceOf(loaded.settings, {
      env: process.env,
      clock,
      logger,
      onExit: (code) => (supervision ? void supervision.shutDown(code) : process.exit(code)),
    });
  } catch (error) {
    if (error instanceof SettingsError) fail(error.message);
    throw error;
  }
  if (command === undefined) {
    const outputRule = readyRules(service.settings).find(({ rule }) => rule.kind === 'output');
    if (outputRule) fail(`${outputRule.setting} is an output: rule, which needs a command to watch (livestream-session -- <command>)`);
  }
  if (output) output.onDropped = (stream, count) => logger.warn({ stream, count }, 'output lines of ours dropped: nothing was reading them');
  handleSignals(
    () =>
      void (async () => {
        // Readiness says so at once, and the application hears why before it gets SIGTERM.
        if (service.settings.drainOnStop) await service.session.drain(supervision ? service.settings.appStopGraceSeconds : undefined);
        if (supervision) await supervision.shutDown(0);
        else await service.close().then(() => process.exit(0));
      })(),
    () => (supervision ? supervision.killNow() : process.exit(0)),
    (message) => (output ? output.say(message) : process.stderr.write(`livestream-session: ${message}\n`)),
  );
  let address: { host: string; port: number };
  try {
    address = await service.listen();
  } catch (error) {
    fail(`cannot listen on port ${service.settings.port}: ${(error as Error).message}`, 1);
  }
  if (options.simulate) {
    service.bus.emit(APP_READY_EVENT);
    service.bus.emit(NEW_FRAME_EVENT);
  }
  if (command === undefined) {
    const hint = options.simulate ? undefined : waitingHint(service.settings, `${localUrl(address)}/v1/streaming/events`);
    if (hint) logger.info(hint);
    watchReadyRules(service, { clock, logger, onLine: () => () => {} });
    return;
  }
  const [file, ...args] = command as [string, ...string[]];
  supervision = supervise({
    service,
    command: file,
    args,
    url: localUrl(address),
    env: process.env,
    clock,
    logger,
    output,
    say: (message) => output!.say(message),
    exit: (code) => void output!.exit(code),
  });
}

const argv = process.argv.slice(2);
// `check` plays NVCF against a target; loaded only then, so the service starts as light as before.
if (argv[0] === 'check') process.exitCode = await (await import('./check/cli.js')).checkCommand(argv.slice(1));
else await main(argv);
