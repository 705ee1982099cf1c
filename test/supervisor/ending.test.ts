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

interface EndSessionAnswer {
  status?: number;
  body?: string;
  error?: string;
}

/**
 * A graceful endsession on a connection of its own: the answer, or how the connection failed.
 * `onSent` runs the moment the whole request has been handed to the kernel.
 */
function endSessionRaw(port: number, onSent: () => void = () => {}): Promise<EndSessionAnswer> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ sessionId: 'race', gracefulShutdown: true });
    const req = request({ host: '127.0.0.1', port, path: '/v1/streaming/endsession', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
      res.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    });
    req.on('finish', onSent);
    req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    req.end(body);
  });
}

const COMPLETE = { status: 200, body: '{"sessionStatus":"COMPLETE"}' };

/**
 * How the application dies, and the exit code docs/integrating.md ("Supervisor") asks of the
 * service when that came first: 128 + n if signal n killed it; 1 if it exited 0 (the fake
 * app exits 0 on SIGTERM).
 */
const DEATHS = [
  { how: 'killed by SIGKILL', signal: 'SIGKILL', recycleCode: 128 + 9 },
  { how: 'exiting 0 on SIGTERM', signal: 'SIGTERM', recycleCode: 1 },
] as const;

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

  // No clock decides the order: each case waits for something it can see (the answer, the
  // request handed to the kernel, the app gone from /proc, the service's word that it saw the
  // app go) and only then does the other thing. Every request that reached the service is
  // answered (a connection refused or reset as the listener closed never reached it); the
  // exit code is the one the spec gives for whichever came first, 0 for the session's end.
  describe.each(DEATHS)('the app $how', ({ signal, recycleCode }) => {
    it('after the endsession was answered: the session ended first, the service exits 0', { timeout: 60_000 }, async () => {
      const { cli, port, pid } = await readyApp();
      expect(await endSessionRaw(port)).toMatchObject(COMPLETE);
      try {
        process.kill(pid, signal);
      } catch {
        // Already stopped by the service: the end came first either way.
      }
      expect(await cli.exited).toEqual({ code: 0, signal: null });
    });

    it('the moment the endsession has been sent: it is answered, and either may have come first', { timeout: 60_000 }, async () => {
      const { cli, port, pid } = await readyApp();
      const result = await endSessionRaw(port, () => process.kill(pid, signal));
      expect(result.error, JSON.stringify(result)).toBeUndefined();
      expect(result).toMatchObject(COMPLETE);
      expect([0, recycleCode]).toContain((await cli.exited).code);
      expect((await cli.exited).signal).toBeNull();
    });

    it('just before the endsession is sent: if it reached the service it is answered; either may have come first', { timeout: 60_000 }, async () => {
      const { cli, port, pid } = await readyApp();
      process.kill(pid, signal);
      const result = await endSessionRaw(port);
      if (result.error !== undefined) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(result.error);
      else expect(result).toMatchObject(COMPLETE);
      expect([0, recycleCode]).toContain((await cli.exited).code);
      expect((await cli.exited).signal).toBeNull();
    });

    it('gone from /proc before the endsession is sent: the app came first, the service exits as the spec says', { timeout: 60_000 }, async () => {
      const { cli, port, pid } = await readyApp();
      process.kill(pid, signal);
      expect(await goneWithin(pid, 5000)).toBe(true); // dead, if not yet heard of by the service
      const result = await endSessionRaw(port);
      // Never reached the service: refused, or reset as the kernel had accepted it just while the listener closed.
      if (result.error !== undefined) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(result.error);
      else expect(result).toMatchObject(COMPLETE);
      expect(await cli.exited, cli.stdout).toEqual({ code: recycleCode, signal: null });
    });

    it('seen to go by the service before the endsession is sent: the app came first, the service exits as the spec says', { timeout: 60_000 }, async () => {
      const { cli, port, pid } = await readyApp();
      process.kill(pid, signal);
      // (Or gone already: the output may be read only after the exit.)
      await cli.waitForLog('application exited by itself: recycle the instance').catch(() => cli.exited);
      const result = await endSessionRaw(port);
      if (result.error !== undefined) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(result.error);
      else expect(result).toMatchObject(COMPLETE);
      expect(await cli.exited, cli.stdout).toEqual({ code: recycleCode, signal: null });
    });
  });
});
