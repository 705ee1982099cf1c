// Files that are not what a settings file should be: each stops start-up at once with exit
// code 2 and a message, never a hang, a crash or memory without bound.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcesses, startCli } from '../support/process.js';
import { exitUnderWatchdog } from '../support/watchdog.js';
import { writeKit } from './kitFile.js';

afterEach(killProcesses);

async function expectRefused(args: string[], env: Record<string, string>, message: string) {
  const { exit, cli, killedFor } = await exitUnderWatchdog(args, env);
  expect(killedFor).toBeUndefined();
  expect(exit).toEqual({ code: 2, signal: null });
  expect(cli.stderr).toContain(message);
  expect(cli.stderr).not.toContain('    at ');
}

describe('a config file that is not a small regular file stops start-up with exit code 2', () => {
  it('when it is /dev/zero, without reading it', async () => {
    await expectRefused(['--config', '/dev/zero'], {}, 'Config file /dev/zero is a character device, not a regular file');
  });

  it('when it is a FIFO that nobody writes to, without waiting for one', async () => {
    const fifo = join(dirname(writeKit('')), 'app.fifo');
    execFileSync('mkfifo', [fifo]);
    await expectRefused(['--config', fifo], {}, `Config file ${fifo} is a FIFO, not a regular file`);
  });

  it('when it is a directory', async () => {
    const dir = dirname(writeKit(''));
    await expectRefused(['--config', dir], {}, `Config file ${dir} is a directory, not a regular file`);
  });

  it('when it is one byte over 1 MiB', async () => {
    const file = writeKit('#'.repeat(1024 ** 2 + 1));
    await expectRefused(['--config', file], {}, `Config file ${file} is 1048577 bytes, over the 1 MiB it may have`);
  });
});

describe('an access token file that is not a small regular file stops start-up with exit code 2', () => {
  it('when it is /dev/zero, without reading it', async () => {
    await expectRefused([], { LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: '/dev/zero' }, 'LIVESTREAM_SESSION_ACCESS_TOKEN_FILE /dev/zero is a character device, not a regular file');
  });

  it('when it is a FIFO that nobody writes to', async () => {
    const fifo = join(dirname(writeKit('')), 'token.fifo');
    execFileSync('mkfifo', [fifo]);
    await expectRefused([], { LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: fifo }, `LIVESTREAM_SESSION_ACCESS_TOKEN_FILE ${fifo} is a FIFO, not a regular file`);
  });

  it('when it is one byte over 64 KiB', async () => {
    const file = writeKit('t'.repeat(64 * 1024 + 1), 'token');
    await expectRefused([], { LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: file }, `LIVESTREAM_SESSION_ACCESS_TOKEN_FILE ${file} is 65537 bytes, over the 64 KiB it may have`);
  });
});

describe('a .kit file nested deeper than any setting stops start-up with exit code 2', () => {
  const DEEP = 5000;

  it('when a dotted key has 5000 levels', async () => {
    const file = writeKit(`[settings]\n${Array.from({ length: DEEP }, () => 'a').join('.')} = 1\n`);
    await expectRefused(['--config', file], {}, `Config file ${file} nests tables under [settings] deeper than the 64 levels a setting path may have (at a/a/a/`);
  });

  it('when a table header has 5000 levels', async () => {
    const file = writeKit(`[settings.${Array.from({ length: DEEP }, () => 'b').join('.')}]\nx = 1\n`);
    await expectRefused(['--config', file], {}, `Config file ${file} nests tables under [settings] deeper than the 64 levels a setting path may have (at b/b/b/`);
  });

  it('but not when the depth is beside [settings], which is not read', async () => {
    const file = writeKit(`[package.${Array.from({ length: DEEP }, () => 'c').join('.')}]\nx = 1\n[settings]\n`);
    const { cli } = await startCli(['--config', file]);
    expect(cli.stderr).toBe('');
  });
});
