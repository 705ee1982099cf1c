// The service has one logger type; a pino logger, as the CLI makes and as a library user
// passes in, is one.
import type { Logger as PinoLogger } from 'pino';
import { describe, expectTypeOf, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import type { SessionServiceOptions } from '../src/index.js';
import type { createLogger } from '../src/logger.js';

describe('the logger type', () => {
  it("is met by pino's Logger and by the one the CLI makes", () => {
    expectTypeOf<PinoLogger>().toExtend<Logger>();
    expectTypeOf<ReturnType<typeof createLogger>>().toExtend<Logger>();
  });

  it("is what the library's options take", () => {
    expectTypeOf<PinoLogger>().toExtend<NonNullable<SessionServiceOptions['logger']>>();
    expectTypeOf<NonNullable<SessionServiceOptions['logger']>>().toEqualTypeOf<Logger>();
  });

  it('is not met by a logger that cannot report an error', () => {
    expectTypeOf<{ info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }>().not.toExtend<Logger>();
  });
});
