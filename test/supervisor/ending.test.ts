import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady } from '../../generated/sdk.gen.js';
import { type CliProcess, killProcesses, startCli } from '../support/process.js';
import { goneWithin } from './byte-cli.js';
import { taggedApp } from './tagged-app.js';

afterEach(killProcesses);

const EXT = '--/exts/omni.services.livestream.session';
const HTTP = '--/exts/omni.services.transport.server.http';
const FAKE_APP = fileURLToPath(new URL('../fixtures/fake-app.mjs', import.meta.url));
const CRASH = fileURLToPath(new URL('../fixtures/crash-on-sigwinch.mjs', import.meta.url));

const pidsPrinted = (cli: CliProcess) => [...cli.stdout.matchAll(/^(?:app|grandchild) (\d+)$/gm)].map((m) => Number(m[1]));

describe('every way out of the supervisor leaves nothing of the application running', () => {
  it.each(['exception', 'rejection'])('kills the app’s whole group first when the service crashes (an uncaught %s)', async (how) => {
    const tag = `crash-${how}-${process.pid}-${Date.now()}`;
    const { cli } = await startCli([`${EXT}/appStopGraceSeconds=3600`, '--', ...taggedApp(tag)], { NODE_OPTIONS: `--import=${CRASH}`, CRASH_WITH: how });
    await cli.waitForOutput('grandchild ');
    await cli.waitForOutput('app ');
    const pids = pidsPrinted(cli);
    expect(pids).toHaveLength(2);
    cli.kill('SIGWINCH');
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(cli.stderr).toContain('a crash for the test');
    for (const pid of pids) expect(await goneWithin(pid, 5000)).toBe(true);
  });

  it('kills the app’s whole group at once on a second SIGTERM, without waiting out the grace', async () => {
    const tag = `twice-${process.pid}-${Date.now()}`;
    const { cli } = await startCli([`${EXT}/appStopGraceSeconds=3600`, '--', ...taggedApp(tag)]);
    await cli.waitForOutput('grandchild ');
    await cli.waitForOutput('app ');
    const pids = pidsPrinted(cli);
    cli.kill('SIGTERM');
    await cli.waitForOutput('term ignored');
    cli.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(await goneWithin(pid, 5000)).toBe(true);
  });

});

/** A graceful endsession on a connection of its own: the answer, or how the connection failed. */
function endSessionRaw(port: number): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ sessionId: 'race', gracefulShutdown: true });
    const req = request({ host: '127.0.0.1', port, path: '/v1/streaming/endsession', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
      res.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    });
    req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    req.end(body);
  });
}

describe('an app that exits by itself around a graceful endsession', () => {
  async function readyApp() {
    const goFile = join(mkdtempSync(join(tmpdir(), 'livestream-go-')), 'go');
    const { cli, client, port } = await startCli([`${HTTP}/host=127.0.0.1`, '--', process.execPath, FAKE_APP, `--go-file=${goFile}`]);
    const pid = (await cli.waitForLog('application started')).pid as number;
    writeFileSync(goFile, '');
    await cli.waitForOutput('fake-app: ready signalled');
    expect((await checkReady({ client })).response.status).toBe(200);
    return { cli, port, pid };
  }
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  // Negative: the endsession is sent first and the app killed |offset| ms later; positive:
  // the app is killed first. Whatever the order, every request that reached the service is
  // answered (a connection refused never reached it); a crash that came first is the exit code.
  it.each([-20, -8, -4, -2, -1, 0, 1, 2, 4, 8, 20])('answers the endsession and reports the crash that came first (offset %i ms)', { timeout: 60_000 }, async (offset) => {
    const { cli, port, pid } = await readyApp();
    let answeredBeforeKill = false;
    let answer: ReturnType<typeof endSessionRaw>;
    if (offset < 0) {
      answer = endSessionRaw(port);
      void answer.then(() => (answeredBeforeKill = true));
      await pause(-offset);
      const killedAfterAnswer = answeredBeforeKill;
      process.kill(pid, 'SIGKILL');
      const result = await answer;
      expect(result.error, JSON.stringify(result)).toBeUndefined();
      expect(result).toMatchObject({ status: 200, body: '{"sessionStatus":"COMPLETE"}' });
      const exit = await cli.exited;
      if (killedAfterAnswer) expect(exit).toEqual({ code: 0, signal: null });
      const crashFirst = cli.logs().some((l) => l.msg === 'application exited by itself: recycle the instance');
      expect(exit).toEqual({ code: crashFirst ? 137 : 0, signal: null });
    } else {
      process.kill(pid, 'SIGKILL');
      expect(await goneWithin(pid, 5000)).toBe(true); // dead, if not yet heard of by the service
      if (offset > 0) await pause(offset);
      const result = await endSessionRaw(port);
      // Never reached the service: refused, or reset as the kernel had accepted it just while the listener closed.
      if (result.error !== undefined) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(result.error);
      else expect(result).toMatchObject({ status: 200, body: '{"sessionStatus":"COMPLETE"}' });
      expect(await cli.exited, cli.stdout).toEqual({ code: 137, signal: null });
    }
  });
});
