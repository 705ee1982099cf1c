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
  return pino({
    name: 'livestream-session',
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...options,
  }, destination as DestinationStream);
}
