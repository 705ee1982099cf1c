import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, freePort, killProcesses } from '../support/process.js';

afterEach(killProcesses);

describe('the livestream-session command', () => {
  it('prints its usage with --help and exits 0', async () => {
    const cli = new CliProcess(['--help']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain('Usage: livestream-session');
    expect(cli.stdout).toContain('--/exts/omni.services.livestream.session/resumeTimeoutSeconds');
    expect(cli.stdout).toContain('--simulate');
  });

  it('shows "Status: Ready for connection" with --simulate and no streaming app', async () => {
    const port = await freePort();
    const cli = new CliProcess(['--simulate'], { LIVESTREAM_SESSION_PORT: String(port) });
    await cli.waitForLog('listening');
    await cli.waitForLog('readiness changed');
    const answer = await fetch(`http://127.0.0.1:${port}/v1/streaming/ready`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ statusMessage: 'Status: Ready for connection' });
  });

  it.each([
    [['--/exts/omni.services.livestream.session/resumeTimeoutSeconds=soon'], 'resumeTimeoutSeconds', 'soon'],
    [['--/exts/omni.services.transport.server.http/port=70000'], 'port', '70000'],
    [['--/exts/omni.services.livestream.session/quitOnSessionEnded=maybe'], 'quitOnSessionEnded', 'maybe'],
  ])('stops start-up with exit code 2 on a bad value (%s)', async (args, key, value) => {
    const cli = new CliProcess(args);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain(key);
    expect(cli.stderr).toContain(value);
  });

  it('stops start-up with exit code 2 on a bad environment value', async () => {
    const cli = new CliProcess([], { LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS: '-1' });
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain('LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS');
    expect(cli.stderr).toContain('-1');
  });

  it('stops with exit code 2 on an unknown option', async () => {
    const cli = new CliProcess(['--frobnicate']);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain('--frobnicate');
  });

  it('warns about a deprecated key of the predecessor and uses it', async () => {
    const port = await freePort();
    const cli = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`, '--/app/livestream/nvcf/sessionResumeTimeoutSeconds=0']);
    await cli.waitForLog('listening');
    expect(cli.logs().some((l) => String(l.msg).includes('deprecated'))).toBe(true);
    const end = await fetch(`http://127.0.0.1:${port}/v1/streaming/endsession`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await end.json()).toEqual({ sessionStatus: 'COMPLETE' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('closes the server and exits 0 on %s', async (signal) => {
    const port = await freePort();
    const cli = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`]);
    await cli.waitForLog('listening');
    cli.kill(signal);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('exits 1 when the port is taken', async () => {
    const port = await freePort();
    const first = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`]);
    await first.waitForLog('listening');
    const second = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`]);
    expect(await second.exited).toEqual({ code: 1, signal: null });
    expect(second.stderr).toContain(String(port));
  });
});
