import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat, logLevel, prettyDestination } from '../src/logger.js';
import { SettingsError } from '../src/settings/errors.js';
import { SEED_CREDENTIALS } from './support/fixtures.js';

function capture({ pretty = false } = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const destination = pretty ? prettyDestination(stream as never) : (stream as never);
  return { logger: createLogger({ level: 'debug' }, destination), text: () => stripVTControlCharacters(lines.join('')) };
}

function logSecrets(logger: ReturnType<typeof createLogger>): void {
  logger.info(SEED_CREDENTIALS, 'credentials at the top');
  logger.info({ credentials: SEED_CREDENTIALS }, 'credentials nested');
  logger.info({ payload: SEED_CREDENTIALS }, 'credentials as an event payload');
  logger.warn({ req: { headers: { authorization: 'Bearer tok-abc-123' } }, token: 'tok-abc-123' }, 'a request');
  logger.debug({ turnDetails: SEED_CREDENTIALS.turnDetails }, 'turn details');
}

describe('the logger', () => {
  it.each([
    ['JSON', false],
    ['readable lines', true],
  ])('redacts credentials and tokens wherever a careless caller puts them, in %s', (_format, pretty) => {
    const { logger, text } = capture({ pretty });
    logSecrets(logger);
    const out = text();
    for (const secret of ['"pass"', 'turnpass', 'turnuser', '"user"', 'tok-abc-123']) expect(out).not.toContain(secret);
    expect(out.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(8);
    expect(out).toContain('stun.example.com'); // what is not secret stays readable
  });

  it('writes readable lines, one per entry, with the level and the message first', () => {
    const { logger, text } = capture({ pretty: true });
    logger.info({ port: 8011 }, 'listening');
    logger.warn('a warning');
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening \{"port":8011\}$/);
    expect(lines[1]).toMatch(/WARN: a warning$/);
  });
});

describe('LOG_LEVEL', () => {
  it('defaults to info, also when empty', () => {
    expect(logLevel({})).toBe('info');
    expect(logLevel({ LOG_LEVEL: '' })).toBe('info');
  });

  it("takes pino's levels, in any case", () => {
    expect(logLevel({ LOG_LEVEL: 'debug' })).toBe('debug');
    expect(logLevel({ LOG_LEVEL: 'WARN' })).toBe('warn');
  });

  it('refuses anything else with one line naming LOG_LEVEL and what it may be', () => {
    expect(() => logLevel({ LOG_LEVEL: 'bogus' })).toThrow(SettingsError);
    expect(() => logLevel({ LOG_LEVEL: 'bogus' })).toThrow(
      /^Invalid value for LOG_LEVEL: "bogus" \(expected one of trace, debug, info, warn, error, fatal, silent\)$/,
    );
  });
});

describe('the log format', () => {
  const terminal = { pretty: false, terminal: true };
  const pipe = { pretty: false, terminal: false };

  it('is JSON for a pipe or a file, readable for a terminal', () => {
    expect(logFormat({}, pipe)).toBe('json');
    expect(logFormat({}, terminal)).toBe('pretty');
  });

  it('follows LOG_FORMAT, whatever stdout is', () => {
    expect(logFormat({ LOG_FORMAT: 'pretty' }, pipe)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'json' }, terminal)).toBe('json');
  });

  it('is readable with --pretty', () => {
    expect(logFormat({ LOG_FORMAT: 'json' }, { pretty: true, terminal: false })).toBe('pretty');
  });

  it('refuses an unknown LOG_FORMAT', () => {
    expect(() => logFormat({ LOG_FORMAT: 'xml' }, pipe)).toThrow('Invalid value for LOG_FORMAT: "xml" (expected one of json, pretty)');
  });
});
