import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runNvcfCheck } from '../../src/check/sequence.js';
import type { CheckName, NvcfCheckOptions, NvcfCheckReport } from '../../src/check/types.js';
import { freePort } from '../support/process.js';
import { APP_READY, NEW_FRAME, startService, stopServices, type RunningService } from '../support/service.js';
import type { Settings } from '../../src/settings/table.js';

afterEach(stopServices);

/**
 * The check against the service in this process, both on one fake clock: each wait of the
 * check moves time, and `at` runs a step of the streaming app once time has reached it.
 */
async function check(running: RunningService, options: Partial<NvcfCheckOptions> = {}, at: Array<[number, () => Promise<void>]> = []): Promise<NvcfCheckReport> {
  const steps = [...at];
  return runNvcfCheck({
    baseUrl: running.url,
    clock: running.clock,
    sleep: async (ms) => {
      running.clock.advance(ms);
      while (steps.length > 0 && steps[0]![0] <= running.clock.now()) await steps.shift()![1]();
    },
    ...options,
  });
}

async function readyService(settings: Partial<Settings> = {}): Promise<RunningService> {
  const running = await startService(settings);
  await running.send(APP_READY, NEW_FRAME);
  return running;
}

const outcomes = (report: NvcfCheckReport) => Object.fromEntries(report.checks.map((c) => [c.name, c.outcome]));
const checkNamed = (report: NvcfCheckReport, name: CheckName) => report.checks.find((c) => c.name === name)!;

describe('runNvcfCheck against the service', () => {
  it("passes Kit's defaults, walking readiness state by state, each with how long it lasted", async () => {
    const running = await startService();
    const report = await check(running, {}, [
      [2000, () => running.send(APP_READY)],
      [5000, () => running.send(NEW_FRAME)],
    ]);
    expect(report.passed).toBe(true);
    expect(report.warnings).toEqual([
      "the target's resume timeout (30 s) is shorter than NVCF's default reconnect window (300 s): a client that comes back after 30 s finds its session ended; --nvcf-defaults checks with NVCF's window",
    ]);
    expect(report.readiness).toEqual([
      { httpStatus: 503, statusMessage: 'Status: App not ready', known: true, waitsFor: expect.stringContaining(APP_READY), ms: 2000 },
      { httpStatus: 503, statusMessage: 'Status: Rtx not ready', known: true, waitsFor: expect.stringContaining(NEW_FRAME), ms: 3000 },
      { httpStatus: 200, statusMessage: 'Status: Ready for connection', known: true, ms: 0 },
    ]);
    expect(checkNamed(report, 'readiness').got).toBe('200 "Status: Ready for connection" after 5.0 s: 503 "Status: App not ready" 2.0 s → 503 "Status: Rtx not ready" 3.0 s → 200 "Status: Ready for connection" 0.0 s');
    // The reconnect window reaches beyond the 30 s the target reports: calls inside answer AWAITING_RESUME, the first after COMPLETE.
    expect(report).toMatchObject({ resumeTimeoutSeconds: 30, reconnectWindowSeconds: 33 });
    expect(outcomes(report)).toEqual({
      startup: 'pass',
      readiness: 'pass',
      'readiness messages': 'pass',
      credentials: 'pass',
      'client connect': 'pass',
      'client disconnect': 'pass',
      endsession: 'pass',
      'resume by reconnection': 'pass',
      'readiness in the resume window': 'pass',
      'endsession repeated': 'pass',
      'endsession after the resume window': 'pass',
      'endsession graceful': 'pass',
      'readiness after the session': 'pass',
    });
    expect(running.exits).toEqual([0]);
  });

  it('ends with the graceful call inside a reconnect window shorter than the resume timeout', async () => {
    const running = await readyService();
    const report = await check(running, { reconnectWindowSeconds: 5 });
    expect(report.passed).toBe(true);
    // The call that opened a new window after the client came back and left, then one a second.
    expect(checkNamed(report, 'endsession repeated').got).toBe('AWAITING_RESUME on 6 calls over 4.0 s');
    expect(checkNamed(report, 'endsession graceful').got).toBe('200 {"sessionStatus":"COMPLETE"}');
    expect(report.checks.map((c) => c.name)).not.toContain('endsession after the resume window');
  });

  it('reports a readiness time-out with the last state seen and what it waits for, and skips what follows', async () => {
    const running = await startService();
    const report = await check(running, { readyTimeoutSeconds: 10 }, [[1000, () => running.send(APP_READY)]]);
    expect(report.passed).toBe(false);
    const readiness = checkNamed(report, 'readiness');
    expect(readiness).toMatchObject({ outcome: 'fail', expected: '200 within 10.0 s of the start' });
    expect(readiness.got).toMatch(/^still 503 "Status: Rtx not ready" after 10\.0 s, waiting for no rendered frame yet \(omni\.usd\.StageRenderingEventType\.NEW_FRAME\)/);
    expect(outcomes(report)).toMatchObject({ credentials: 'skip', endsession: 'skip', 'endsession graceful': 'skip' });
  });

  it('says the target has resumption off when endsession answers COMPLETE at once, and passes it with resume: false', async () => {
    const off = await readyService({ resumeTimeoutSeconds: 0, quitOnSessionEnded: false });
    const expectingResume = await check(off, { quit: false });
    expect(checkNamed(expectingResume, 'endsession')).toMatchObject({ outcome: 'fail', expected: expect.stringContaining('AWAITING_RESUME') });
    expect(checkNamed(expectingResume, 'endsession').got).toContain('the target has resumption off (its resumeTimeoutSeconds is 0)');

    const on = await readyService({ resumeTimeoutSeconds: 0 });
    const report = await check(on, { resume: false });
    expect(report.passed).toBe(true);
    expect(outcomes(report)).toMatchObject({ endsession: 'pass', 'endsession repeated': 'skip', 'endsession graceful': 'pass' });
  });

  it('says the target resumes when resume: false is given to one that does', async () => {
    const report = await check(await readyService(), { resume: false });
    expect(checkNamed(report, 'endsession')).toMatchObject({ outcome: 'fail' });
    expect(checkNamed(report, 'endsession').got).toContain('the target resumes sessions');
  });

  it('expects readiness back to ready with quit: false, and fails a target that keeps running when quitting was expected', async () => {
    const keeps = await readyService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 2 });
    expect((await check(keeps, { quit: false })).passed).toBe(true);

    const alsoKeeps = await readyService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 2 });
    const report = await check(alsoKeeps, { exitTimeoutSeconds: 3 });
    expect(outcomes(report)).toMatchObject({ 'readiness after the session': 'fail' });
    expect(checkNamed(report, 'readiness after the session').got).toBe('200 "Status: Ready for connection" 3.0 s');
  });

  it('sends the access token as a bearer token; without it, credentials and endsession fail', async () => {
    const token = 'check-token-1234';
    expect((await check(await readyService({ accessToken: token }), { token })).passed).toBe(true);
    const without = await check(await readyService({ accessToken: token }));
    expect(outcomes(without)).toMatchObject({ credentials: 'fail', endsession: 'fail', 'endsession graceful': 'fail' });
    expect(checkNamed(without, 'credentials').got).toMatch(/^401 /);
  });

  it('warns when the reconnect window given outlasts the resume timeout', async () => {
    const report = await check(await readyService({ resumeTimeoutSeconds: 2 }), { reconnectWindowSeconds: 6 });
    expect(report.passed).toBe(true);
    expect(report.warnings).toEqual([expect.stringMatching(/^the target's resume timeout \(2 s\) is shorter than the reconnect window \(6 s\)/)]);
  });

  it('warns when nothing answers on the given port while an older Kit health port does', async () => {
    const elsewhere = await readyService();
    const nothing = await freePort();
    const report = await check(elsewhere, { baseUrl: `http://127.0.0.1:${nothing}`, readyTimeoutSeconds: 2, legacyPorts: [Number(new URL(elsewhere.url).port)] });
    expect(checkNamed(report, 'readiness').outcome).toBe('fail');
    expect(report.warnings).toEqual([`nothing answers on port ${nothing}, but port ${new URL(elsewhere.url).port} does (an older Kit health port): is the health port set right?`]);
  });

  it('says readiness was asked once, not "still … after 0.0 s", when start-up took the whole ready timeout', async () => {
    const nothing = await freePort();
    const report = await runNvcfCheck({ baseUrl: `http://127.0.0.1:${nothing}`, strictKit: true, readyTimeoutSeconds: 0.3, pollIntervalMs: 100, legacyPorts: [] });
    expect(checkNamed(report, 'readiness').got).toBe('no answer (ECONNREFUSED) on the one request made before the 0.3 s ran out');
  });

  it('gives up on a request that is not answered within the request time-out, as NVCF does', async () => {
    const silent = createServer(() => {}); // takes requests, answers none
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const report = await runNvcfCheck({ baseUrl: `http://127.0.0.1:${port}`, strictKit: true, readyTimeoutSeconds: 0, requestTimeoutMs: 200 });
      expect(checkNamed(report, 'startup').got).toMatch(/^no answer within 0\.2 s/);
      expect(checkNamed(report, 'readiness').got).toBe('no answer within 0.2 s on the one request made before the 0.0 s ran out');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('runNvcfCheck as NVCF judges, and as Kit answers', () => {
  it('plays a client through the local event API: session active, ready again, and a resume by reconnection inside the window', async () => {
    const running = await readyService({ resumeTimeoutSeconds: 5 });
    const report = await check(running);
    expect(report.passed).toBe(true);
    expect(checkNamed(report, 'client connect').got).toMatch(/^200 \{"statusMessage":"Status: Streaming session active \(keep alive\)"/);
    expect(checkNamed(report, 'client disconnect').got).toMatch(/^200 \{"statusMessage":"Status: Ready for connection"/);
    expect(checkNamed(report, 'resume by reconnection').got).toMatch(/^200 \{"statusMessage":"Status: Streaming session active \(keep alive\)".*, then 200 \{"statusMessage":"Status: Ready for connection"/);
    expect(checkNamed(report, 'readiness in the resume window').got).toMatch(/^200 \{"statusMessage":"Status: Awaiting session resume \(keep alive\)".* on 4 poll\(s\)$/);
  });

  it('connects no client when asked not to', async () => {
    const report = await check(await readyService({ resumeTimeoutSeconds: 2 }), { clients: false });
    expect(report.passed).toBe(true);
    expect(outcomes(report)).toMatchObject({ 'client connect': 'skip', 'client disconnect': 'skip' });
    expect(report.checks.map((c) => c.name)).not.toContain('resume by reconnection');
  });

  it('with NVCF defaults, fails a resume timeout shorter than the 300 s reconnect window, and polls through that window', async () => {
    const short = await check(await readyService(), { nvcfDefaults: true });
    expect(checkNamed(short, 'resume window')).toMatchObject({ outcome: 'fail', expected: 'a resume timeout at least the reconnect window (300 s)' });
    expect(checkNamed(short, 'resume window').got).toContain('30 s: the instance would quit 270 s before NVCF stops offering a reconnect');

    const long = await check(await readyService({ resumeTimeoutSeconds: 300 }), { nvcfDefaults: true });
    expect(long.passed).toBe(true);
    expect(long).toMatchObject({ reconnectWindowSeconds: 300, warnings: [] });
    expect(checkNamed(long, 'resume window')).toMatchObject({ outcome: 'pass', got: '300 s' });
    expect(checkNamed(long, 'endsession repeated').got).toMatch(/^AWAITING_RESUME on \d+ calls over 29\d\.0 s$/);
  });

  it("warns of no mismatch when the target declares its session manager's shorter window", async () => {
    const report = await check(await readyService({ reconnectWindowSeconds: 20 }));
    expect(report.passed).toBe(true);
    expect(report.resumeTimeoutSeconds).toBe(20);
    expect(report.warnings).toEqual([]);
  });

  it('with strictKit, polls start-up first and requires it, as before', async () => {
    const running = await startService();
    const report = await check(running, { strictKit: true, resume: true }, [
      [1000, () => running.send(APP_READY)],
      [2000, () => running.send(NEW_FRAME)],
    ]);
    expect(report.passed).toBe(true);
    expect(report.checks.slice(0, 2).map((c) => c.name)).toEqual(['startup', 'readiness']);
    expect(checkNamed(report, 'startup').expected).toBe('200 {"statusMessage":"Status: Startup endpoint OK"}');
  });
});

describe('runNvcfCheck against a target of the extension before 8.0', () => {
  it("says which release answers when readiness carries the 7.x message", async () => {
    const kit107 = createServer((req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ statusMessage: 'Status: Custom ready event not received' })));
    await new Promise<void>((resolve) => kit107.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = kit107.address() as { port: number };
      const report = await runNvcfCheck({ baseUrl: `http://127.0.0.1:${port}`, readyTimeoutSeconds: 0 });
      expect(report.warnings).toContain(
        'readiness answered 503 "Status: Custom ready event not received", which is not one of Kit\'s eight messages: it is what omni.services.livestream.nvcf 7.x (Kit 106/107) says for "Status: Session ready event not received", so the target runs that older extension (its settings are under /app/livestream/nvcf/)',
      );
    } finally {
      kit107.close();
    }
  });
});
