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
  return pino(
    {
      name: 'livestream-session',
      level: process.env.LOG_LEVEL ?? 'info',
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
 * The CLI's logger. When it supervises an application, its lines go to `destination`, which
 * places them between the application's output lines on the same stdout.
 */
export function createCliLogger({ destination }: { destination?: DestinationStream }): Logger {
  return createLogger({}, destination);
}
