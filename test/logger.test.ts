import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { SEED_CREDENTIALS } from './support/fixtures.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug' }, stream as never), text: () => lines.join('') };
}

describe('the logger', () => {
  it('redacts credentials and tokens wherever a careless caller puts them', () => {
    const { logger, text } = capture();
    logger.info(SEED_CREDENTIALS, 'credentials at the top');
    logger.info({ credentials: SEED_CREDENTIALS }, 'credentials nested');
    logger.info({ payload: SEED_CREDENTIALS }, 'credentials as an event payload');
    logger.warn({ req: { headers: { authorization: 'Bearer tok-abc-123' } }, token: 'tok-abc-123' }, 'a request');
    logger.debug({ turnDetails: SEED_CREDENTIALS.turnDetails }, 'turn details');
    const out = text();
    for (const secret of ['"pass"', 'turnpass', 'turnuser', '"user"', 'tok-abc-123']) expect(out).not.toContain(secret);
    expect(out.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(8);
    expect(out).toContain('stun.example.com'); // what is not secret stays readable
  });
});
