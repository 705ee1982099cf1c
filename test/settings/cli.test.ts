import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, killProcesses, startCli } from '../support/process.js';
import { writeKit } from './kitFile.js';

afterEach(killProcesses);

const SESSION = 'exts/omni.services.livestream.session';
const HTTP = 'exts/omni.services.transport.server.http';
const TOKEN = 'tok-c0ffee-1234';

const endSession = (url: string, authorization?: string) =>
  fetch(`${url}/v1/streaming/endsession`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: '{"gracefulShutdown": true}',
  });

describe('the command, given a setting that is not one', () => {
  it('stops with exit code 2, naming every typo and the key meant', async () => {
    const cli = new CliProcess([`--/${HTTP}/prt=21001`, '--/exts/omni.services.livestream.sesion/resumeTimeoutSeconds=5'], {
      LIVESTREAM_SESSION_RESUME_TIMEOUT: '5',
    });
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain(`Unknown setting /${HTTP}/prt; did you mean /${HTTP}/port?`);
    expect(cli.stderr).toContain(`Unknown extension omni.services.livestream.sesion in /exts/omni.services.livestream.sesion/resumeTimeoutSeconds; did you mean /${SESSION}/resumeTimeoutSeconds?`);
    expect(cli.stderr).toContain('Unknown environment variable LIVESTREAM_SESSION_RESUME_TIMEOUT; did you mean LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS?');
    expect(cli.stdout).toBe('');
  });

  it('warns about a .kit file without a [settings] table, and starts', async () => {
    const file = writeKit('[package]\ntitle = "app"\n');
    const { cli } = await startCli(['--config', file]);
    expect(cli.logs().some((l) => l.level === 40 && l.msg === `Config file ${file} has no [settings] table; nothing is read from it`)).toBe(true);
  });
});

describe('the access token', () => {
  it('from LIVESTREAM_SESSION_ACCESS_TOKEN_FILE is the one clients send, and never shown', async () => {
    const file = writeKit('', 'session-token');
    writeFileSync(file, `${TOKEN}\n`);
    const { cli, url } = await startCli([], { LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: file });
    expect((await endSession(url)).status).toBe(401);
    expect((await endSession(url, `Bearer ${TOKEN}`)).status).toBe(200);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout + cli.stderr).not.toContain(TOKEN);
  });

  it('with a trailing newline in the environment works once trimmed, with a warning', async () => {
    const { cli, url } = await startCli([], { LIVESTREAM_SESSION_ACCESS_TOKEN: `${TOKEN}\n` });
    expect(cli.logs().some((l) => l.level === 40 && l.msg === 'Removed whitespace around the value of LIVESTREAM_SESSION_ACCESS_TOKEN')).toBe(true);
    expect((await endSession(url, `Bearer ${TOKEN}`)).status).toBe(200);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout + cli.stderr).not.toContain(TOKEN);
  });

  it('with a space inside stops start-up with exit code 2, without showing it', async () => {
    const cli = new CliProcess([], { LIVESTREAM_SESSION_ACCESS_TOKEN: `${TOKEN} ${TOKEN}` });
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain('LIVESTREAM_SESSION_ACCESS_TOKEN: [redacted] (has whitespace');
    expect(cli.stdout + cli.stderr).not.toContain(TOKEN);
  });
});
