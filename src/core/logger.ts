/**
 * The one logger type of the service: the part of pino's `Logger` it calls. A pino logger is
 * one (test/logger.test-d.ts holds that); the core names it here so it imports no logging
 * library.
 */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
  /** pino's: lets a line nobody will see cost nothing to build. */
  isLevelEnabled?(level: string): boolean;
}
