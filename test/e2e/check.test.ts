import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { NvcfCheckReport } from '../../src/check/types.js';
import { CLI, CliProcess, freePort, killProcesses, startCli } from '../support/process.js';

afterEach(killProcesses);

const EXT = '--/exts/omni.services.livestream.session';
const PORT = '--/exts/omni.services.transport.server.http/port';
const TARGET = fileURLToPath(new URL('../fixtures/nvcf-target.mjs', import.meta.url));
const TOKEN = 'check-e2e-token';

/** `livestream-session check …` as a process, to its end. */
async function check(...args: string[]) {
  const cli = new CliProcess(['check', ...args]);
  const exit = await cli.exited;
  return { code: exit.code, stdout: cli.stdout, stderr: cli.stderr };
}

async function checkJson(...args: string[]): Promise<{ code: number | null; report: NvcfCheckReport }> {
  const { code, stdout } = await check('--json', ...args);
  return { code, report: JSON.parse(stdout) as NvcfCheckReport };
}

const failed = (report: NvcfCheckReport) => report.checks.filter((c) => c.outcome === 'fail').map((c) => c.name);

/** The service as --run starts it: on `port`, ready by itself. */
const serviceCommand = (port: number, ...settings: string[]) => [process.execPath, CLI, '--simulate', `${PORT}=${port}`, ...settings];

describe('livestream-session check against this service', { timeout: 60_000 }, () => {
  it('passes the service run beside it, resumption on, printing one line per check and a summary', async () => {
    const { url } = await startCli(['--simulate', `${EXT}/resumeTimeoutSeconds=1`]);
    const { code, stdout } = await check(url);
    expect(stdout).toMatch(/^PASS startup: expected 200 \{"statusMessage":"Status: Startup endpoint OK"\}, or none \(NVCF never calls it\); got 200 .* \(\d+ ms\)$/m);
    expect(stdout).toMatch(/^PASS endsession: expected 200 AWAITING_RESUME to gracefulShutdown: false \(resumption on\); got 200 \{"sessionStatus":"AWAITING_RESUME"\} \(\d+ ms\)$/m);
    expect(stdout).toMatch(/^PASS endsession after the resume window: /m);
    expect(stdout).toMatch(/^PASS readiness in the resume window: expected 200 on every poll while the window is open/m);
    expect(stdout).toMatch(/^PASS resume by reconnection: /m);
    expect(stdout).toMatch(/^WARN the target's resume timeout \(1 s\) is shorter than NVCF's default reconnect window \(300 s\)/m);
    expect(stdout).toMatch(/^passed: 13 passed, 0 failed, 0 skipped, 1 warning\(s\), in [\d.]+ s against http:\/\/127\.0\.0\.1:\d+$/m);
    expect(code).toBe(0);
  });

  it('passes the service run beside it with resumption off and an access token', async () => {
    const { url } = await startCli(['--simulate', `${EXT}/resumeTimeoutSeconds=0`], { LIVESTREAM_SESSION_ACCESS_TOKEN: TOKEN });
    const { code, report } = await checkJson(url, '--no-resume', '--token', TOKEN);
    expect(failed(report)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'endsession')!.got).toBe('200 {"sessionStatus":"COMPLETE"}');
    expect(code).toBe(0);
  });

  it('fails, naming the checks, when the access token is missing', async () => {
    const { url } = await startCli(['--simulate'], { LIVESTREAM_SESSION_ACCESS_TOKEN: TOKEN });
    const { code, report } = await checkJson(url, '--reconnect-window', '1', '--exit-timeout', '1');
    expect(failed(report)).toEqual(['credentials', 'endsession', 'endsession graceful', 'readiness after the session']);
    expect(code).toBe(1);
  });

  it('passes the service under --run, resumption on, with an access token: it exits 0 after the session', async () => {
    const port = await freePort();
    const command = serviceCommand(port, `${EXT}/accessToken=${TOKEN}`);
    const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--token', TOKEN, '--reconnect-window', '2', '--run', '--', ...command);
    expect(failed(report)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'exit')).toMatchObject({ outcome: 'pass', got: expect.stringMatching(/^exit code 0, [\d.]+ s after the graceful end$/) });
    expect(report.command).toMatchObject({ exit: { code: 0, signal: null }, stoppedByCheck: false });
    expect(report.command!.output).toContain('"msg":"listening"');
    expect(code).toBe(0);
  });

  it('passes the service under --run with resumption off and --no-quit: still running after the session, exit 0 on SIGTERM', async () => {
    const port = await freePort();
    const command = serviceCommand(port, `${EXT}/resumeTimeoutSeconds=0`, `${EXT}/quitOnSessionEnded=false`);
    const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--no-resume', '--no-quit', '--run', '--', ...command);
    expect(failed(report)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'exit')!.got).toBe('kept running; exit code 0 on SIGTERM');
    expect(code).toBe(0);
  });
});

describe('livestream-session check against broken targets', { timeout: 60_000 }, () => {
  const runTarget = (port: number, ...flags: string[]) => ['--run', '--', process.execPath, TARGET, `--port=${port}`, ...flags];

  it('passes the target without a flaw', async () => {
    const port = await freePort();
    const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--reconnect-window', '1', ...runTarget(port));
    expect(failed(report)).toEqual([]);
    expect(code).toBe(0);
  });

  it('fails endsession when it always answers COMPLETE', async () => {
    const port = await freePort();
    const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--reconnect-window', '1', ...runTarget(port, '--flaw=always-complete'));
    expect(failed(report)).toEqual(['endsession']);
    expect(report.checks.find((c) => c.name === 'endsession')!.got).toContain('the target has resumption off');
    expect(code).toBe(1);
  });

  it('fails readiness after the session when the target never recycles, and exit when it never exits', async () => {
    const port = await freePort();
    const { code, stdout } = await check(`http://127.0.0.1:${port}`, '--reconnect-window', '1', '--exit-timeout', '1', ...runTarget(port, '--flaw=never-recycles'));
    expect(stdout).toMatch(/^FAIL readiness after the session: expected 503 \(Kit: "Status: Streaming session ended \(recycle instance\)"\) or 500, or no answer \(the target has quit\), within 1\.0 s; got 200 "Status: Ready for connection"/m);
    expect(stdout).toMatch(/^FAIL exit: expected exit code 0 within 1\.0 s after the graceful end; got still running 1\.0 s after the graceful end/m);
    expect(stdout).toMatch(/^FAILED: .*\(readiness after the session, exit\)/m);
    // Its output, kept, comes with the failure.
    expect(stdout).toContain('nvcf-target: listening, flaw=never-recycles');
    expect(code).toBe(1);
  });

  it('fails readiness after the session against such a target run beside it', async () => {
    const port = await freePort();
    const target = spawn(process.execPath, [TARGET, `--port=${port}`, '--flaw=never-recycles'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => target.stdout.once('data', resolve));
      const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--reconnect-window', '1', '--exit-timeout', '1');
      expect(failed(report)).toEqual(['readiness after the session']);
      expect(code).toBe(1);
    } finally {
      target.kill();
    }
  });

  it('fails readiness messages, and warns, on a message that is not one of the eight', async () => {
    const port = await freePort();
    const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--reconnect-window', '1', ...runTarget(port, '--flaw=wrong-message'));
    expect(failed(report)).toEqual(['readiness messages']);
    expect(report.checks.find((c) => c.name === 'readiness messages')!.got).toBe('200 "Status: Ready for connections"');
    expect(report.warnings).toEqual([`readiness answered 200 "Status: Ready for connections", which is not one of Kit's eight messages`]);
    expect(code).toBe(1);
  });

  it('fails readiness with a time-out and the last state seen when the target never becomes ready', async () => {
    const port = await freePort();
    const { code, stdout } = await check(`http://127.0.0.1:${port}`, '--ready-timeout', '2', '--interval', '0.1', ...runTarget(port, '--flaw=never-ready'));
    expect(stdout).toMatch(/^FAIL readiness: expected 200 within 2\.0 s of the start; got still 503 "Status: Rtx not ready" after [\d.]+ s, waiting for no rendered frame yet \(omni\.usd\.StageRenderingEventType\.NEW_FRAME\): .*503 "Status: App not ready" [\d.]+ s → 503 "Status: Rtx not ready" [\d.]+ s/m);
    expect(stdout).toMatch(/^SKIP exit: /m);
    expect(code).toBe(1);
  });

  it('fails exit when the command cannot be started', async () => {
    const port = await freePort();
    const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--run', '--', '/nonexistent/entrypoint');
    expect(failed(report)).toEqual(['readiness', 'exit']);
    expect(report.checks.find((c) => c.name === 'exit')!.got).toBe('exit code 127 before the target was ready');
    expect(code).toBe(1);
  });

  it('fails exit when the target exits non-zero after the session, showing its output', async () => {
    const port = await freePort();
    const { code, stdout } = await check(`http://127.0.0.1:${port}`, '--reconnect-window', '1', ...runTarget(port, '--flaw=exit-nonzero'));
    expect(stdout).toMatch(/^FAIL exit: expected exit code 0 within 30\.0 s after the graceful end; got exit code 3, [\d.]+ s after the graceful end/m);
    expect(stdout).toMatch(/^FAILED: .*\(exit\)/m);
    expect(stdout).toContain('nvcf-target: listening, flaw=exit-nonzero');
    expect(code).toBe(1);
  });
});

describe('livestream-session check judges as NVCF does, each target differing from Kit in one way', { timeout: 60_000 }, () => {
  const runTarget = (port: number, ...flags: string[]) => ['--run', '--', process.execPath, TARGET, `--port=${port}`, ...flags];

  it('passes a target without /v1/streaming/startup well within its ready time-out, with a warning; --strict-kit fails it', async () => {
    const port = await freePort();
    const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--reconnect-window', '1', '--ready-timeout', '30', ...runTarget(port, '--flaw=no-startup'));
    expect(failed(report)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'startup')).toMatchObject({ outcome: 'skip', got: expect.stringMatching(/^404 /) });
    expect(report.warnings).toContain('the target has no /v1/streaming/startup (404): NVCF never calls it, but a Kubernetes start-up probe on it would fail');
    // Readiness is reached as the target gets there (about 1 s), not at the end of the 30 s.
    expect(report.ms).toBeLessThan(15_000);
    expect(code).toBe(0);

    const strictPort = await freePort();
    const strict = await checkJson(`http://127.0.0.1:${strictPort}`, '--strict-kit', '--reconnect-window', '1', '--ready-timeout', '2', '--interval', '0.2', ...runTarget(strictPort, '--flaw=no-startup'));
    expect(failed(strict.report)).toContain('startup');
    expect(strict.code).toBe(1);
  });

  it('passes a target that answers 500 once spent, as NVCF documents; --strict-kit wants Kit\'s 503', async () => {
    for (const [flags, passes] of [[[], true], [['--strict-kit'], false]] as const) {
      const port = await freePort();
      const target = spawn(process.execPath, [TARGET, `--port=${port}`, '--flaw=spent-500'], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        await new Promise((resolve) => target.stdout.once('data', resolve));
        const { report } = await checkJson(`http://127.0.0.1:${port}`, ...flags, '--reconnect-window', '1', '--exit-timeout', '1');
        const after = report.checks.find((c) => c.name === 'readiness after the session')!;
        expect(after).toMatchObject({ outcome: passes ? 'pass' : 'fail', got: expect.stringMatching(/^500 /) });
      } finally {
        target.kill();
      }
    }
  });

  it('fails a target whose readiness is not 200 while the resume window is open', async () => {
    const port = await freePort();
    const { code, report } = await checkJson(`http://127.0.0.1:${port}`, '--reconnect-window', '3', ...runTarget(port, '--resume=2', '--flaw=window-503'));
    expect(failed(report)).toEqual(['readiness in the resume window']);
    expect(report.checks.find((c) => c.name === 'readiness in the resume window')!.got).toMatch(/^503 \{"statusMessage":"Status: Streaming session ended \(recycle instance\)"\} at 0\.0 s$/);
    expect(code).toBe(1);
  });

  it('looks for the WebSocket NVCF proxies viewers to at /sign_in on the streaming port, and notes the media range', async () => {
    const [port, signIn, nothing] = [await freePort(), await freePort(), await freePort()];
    const { report } = await checkJson(`http://127.0.0.1:${port}`, '--streaming-port', String(signIn), '--reconnect-window', '1', ...runTarget(port, `--sign-in-port=${signIn}`));
    expect(report.checks.find((c) => c.name === 'streaming port')).toMatchObject({ outcome: 'pass', got: '101 Switching Protocols' });
    expect(report.checks.find((c) => c.name === 'media ports')).toMatchObject({ outcome: 'skip', expected: 'media on UDP 47998-48020, as NVCF routes it' });

    const elsewhere = await freePort();
    const missing = await checkJson(`http://127.0.0.1:${elsewhere}`, '--streaming-port', String(nothing), '--reconnect-window', '1', ...runTarget(elsewhere));
    expect(missing.report.checks.find((c) => c.name === 'streaming port')).toMatchObject({ outcome: 'fail', got: expect.stringMatching(/^no answer: .*ECONNREFUSED/) });
  });

  it('with --nvcf-defaults, fails a resume timeout shorter than the 300 s reconnect window', async () => {
    const { url } = await startCli(['--simulate', `${EXT}/resumeTimeoutSeconds=1`]);
    const { code, report } = await checkJson(url, '--nvcf-defaults');
    expect(failed(report)).toEqual(['resume window']);
    expect(report.reconnectWindowSeconds).toBe(300);
    expect(code).toBe(1);
  });
});

describe('livestream-session check usage', () => {
  it('exits 2 for a usage error, saying what is wrong', async () => {
    const { code, stderr } = await check('http://127.0.0.1:1', '--ready-timeout', 'soon');
    expect(stderr).toBe(`livestream-session check: --ready-timeout takes a number of seconds, not "soon"\nTry 'livestream-session check --help'.\n`);
    expect(code).toBe(2);
  });
});
