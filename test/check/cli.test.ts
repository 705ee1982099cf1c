import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkCommand, parseCheckArgs } from '../../src/check/cli.js';

async function run(...argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  const code = await checkCommand(argv, out, err);
  return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
}

describe('the check command line', () => {
  it('takes the base URL, the options, and the command after --run --', () => {
    expect(
      parseCheckArgs(['http://127.0.0.1:8011', '--no-resume', '--no-quit', '--token', 't', '--ready-timeout', '60', '--reconnect-window', '300', '--exit-timeout', '5', '--interval', '0.5', '--json', '--run', '--', './kit', '--no-window', '--json']),
    ).toEqual({
      baseUrl: 'http://127.0.0.1:8011',
      json: true,
      resume: false,
      quit: false,
      nvcfDefaults: false,
      strictKit: false,
      clients: true,
      streamingPort: undefined,
      token: 't',
      readyTimeoutSeconds: 60,
      reconnectWindowSeconds: 300,
      exitTimeoutSeconds: 5,
      pollIntervalMs: 500,
      command: { file: './kit', args: ['--no-window', '--json'] },
    });
  });

  it("expects Kit's defaults when no option is given", () => {
    expect(parseCheckArgs(['http://localhost:8011'])).toMatchObject({ resume: true, quit: true, json: false, readyTimeoutSeconds: undefined, command: undefined });
  });

  it('takes the NVCF and Kit switches', () => {
    expect(parseCheckArgs(['http://localhost:8011', '--nvcf-defaults', '--strict-kit', '--no-clients', '--streaming-port', '49100'])).toMatchObject({
      nvcfDefaults: true,
      strictKit: true,
      clients: false,
      streamingPort: 49100,
    });
  });

  it.each([
    [[], 'expected the base URL of the target'],
    [['http://a', 'http://b'], 'expected one base URL, got http://a http://b'],
    [['ftp://x'], '"ftp://x" is not an http:// or https:// URL'],
    [['http://127.0.0.1:1', '--ready-timeout', 'soon'], '--ready-timeout takes a number of seconds, not "soon"'],
    [['http://127.0.0.1:1', '--exit-timeout=-1'], '--exit-timeout takes a number of seconds, not "-1"'],
    [['http://127.0.0.1:1', '--reconnect-window', '3600'], "--reconnect-window is at most 1800 s (NVCF's cap), not 3600"],
    [['http://127.0.0.1:1', '--streaming-port', 'ws'], '--streaming-port takes a port number, not "ws"'],
    [['http://127.0.0.1:1', '--nvcf-defaults', '--reconnect-window', '30'], '--nvcf-defaults sets the reconnect window: leave out --reconnect-window'],
    [['http://127.0.0.1:1', '--interval', '0'], '--interval must be more than 0'],
    [['http://127.0.0.1:1', '--run'], '--run needs a command after --'],
    [['http://127.0.0.1:1', '--', 'true'], 'a command after -- needs --run'],
    [['http://127.0.0.1:1', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const { code, err, out } = await run(...argv);
    expect(err).toContain(`livestream-session check: ${message}`);
    expect(out).toBe('');
    expect(code).toBe(2);
  });

  it.each([[['--bogus']], [['http://127.0.0.1:1', '--bogus', '--json']], [['-x', 'http://127.0.0.1:1']]])('names an unknown option in balanced quotes: %j', async (argv) => {
    const { code, err } = await run(...argv);
    const option = argv.find((a) => a.startsWith('-') && a !== '--json')!;
    expect(err).toBe(`livestream-session check: Unknown option '${option}'\nTry 'livestream-session check --help'.\n`);
    expect(code).toBe(2);
  });

  it('prints its help with exit code 0', async () => {
    const { code, out } = await run('--help');
    expect(out).toMatch(/^Usage: livestream-session check <base-url> \[options\] \[--run -- <command> \[args\.\.\.\]\]/);
    expect(code).toBe(0);
  });
});
