import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { SettingsError } from './settings/errors.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** LOG_LEVEL, checked here: pino refuses an unknown level with a stack trace. Empty counts as unset. */
export function logLevel(env: Record<string, string | undefined> = process.env): string {
  return oneOf('LOG_LEVEL', env.LOG_LEVEL, LOG_LEVELS) ?? 'info';
}

/**
 * JSON lines for collectors; readable lines for a person: with `--pretty`, LOG_FORMAT=pretty,
 * or by default when stdout is a terminal.
 */
export function logFormat(env: Record<string, string | undefined>, { pretty, terminal }: { pretty: boolean; terminal: boolean }): LogFormat {
  const format = oneOf('LOG_FORMAT', env.LOG_FORMAT, LOG_FORMATS);
  if (pretty) return 'pretty';
  return format ?? (terminal ? 'pretty' : 'json');
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = raw.toLowerCase() as T;
  if (allowed.includes(value)) return value;
  throw new SettingsError(`Invalid value for ${name}: ${JSON.stringify(raw)} (expected one of ${allowed.join(', ')})`);
}

/** Secrets that must never reach a log line, wherever they sit in a logged object. */
export const REDACT_PATHS = [
  'password',
  'username',
  'credentials',
  'turnDetails',
  'token',
  'authorization',
  'webhookSecret',
  '*.password',
  '*.username',
  '*.credentials',
  '*.turnDetails',
  '*.token',
  '*.authorization',
  '*.webhookSecret',
  'req.headers.authorization',
  'payload.password',
  'payload.username',
  'payload.turnDetails',
];

export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'livestream-session',
      level: logLevel(),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      ...options,
    },
    // By default lines go out as soon as they are logged, but while one write is on its way
    // the next ones join it: under load (a line per credentials request) that is one write
    // for many lines instead of a blocking write each. Pino writes what is left on exit.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * Lines as pino-pretty writes them, to `out`. Pino redacts before a line gets here. Each
 * line is formatted and written when logged, so none waits in a stream when the process exits.
 */
export function prettyDestination(out: DestinationStream): DestinationStream {
  // Loaded only for a person at a terminal: collectors get JSON, and start-up stays fast.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const pretty = prettyFactory({ ignore: 'pid,hostname,name', translateTime: 'SYS:HH:MM:ss.l', singleLine: true });
  return { write: (line: string) => out.write(pretty(line)) };
}

/**
 * The CLI's logger. When it supervises an application, its lines go to `destination`, which
 * places them between the application's output lines on the same stdout; for a person, each
 * line is written as it is logged.
 */
export function createCliLogger({ destination, format }: { destination?: DestinationStream; format: LogFormat }): Logger {
  if (format === 'pretty') return createLogger({}, prettyDestination(destination ?? pino.destination({ dest: 1, sync: true })));
  return createLogger({}, destination);
}
