import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Secrets that must never reach a log line, wherever they sit in a logged object. */
export const REDACT_PATHS = [
  'password',
  'username',
  'credentials',
  'turnDetails',
  'token',
  'authorization',
  '*.password',
  '*.username',
  '*.credentials',
  '*.turnDetails',
  '*.token',
  '*.authorization',
  'req.headers.authorization',
  'payload.password',
  'payload.username',
  'payload.turnDetails',
];

export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    name: 'livestream-session',
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/**
 * The CLI's logger writes each line as it logs it, so that its lines and the supervised
 * application's output, passed through to the same stdout, keep the order they happened in.
 */
export function createCliLogger(): Logger {
  return createLogger({}, pino.destination({ dest: 1, sync: true }));
}
