import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, endSession, getStatus, setCredentials } from '../../generated/sdk.gen.js';
import { HAVE_SDK_SERVER, SDK_SERVER, Sidecar, killSidecars } from '../support/agones.js';
import { type CliProcess, killProcesses, startCli } from '../support/process.js';
import { until } from '../support/until.js';
import { SEED_CREDENTIALS } from '../support/service.js';

// Against the real SDK sidecar in local mode: what a pod on an Agones fleet talks to.
if (!HAVE_SDK_SERVER) console.log(`Agones sidecar tests skipped: ${SDK_SERVER} is absent on this machine`);

afterEach(async () => {
  await killProcesses();
  killSidecars();
});

const EXT = '--/exts/omni.services.livestream.session';
const HTTP = '--/exts/omni.services.transport.server.http';
const FAKE_APP = fileURLToPath(new URL('../fixtures/fake-app.mjs', import.meta.url));
const SESSION_LABEL = 'agones.dev/sdk-session-id';
const TIMEOUT = 60_000;

/** The CLI supervising the fake app, told of the sidecar as Agones tells a game server; the app reports ready on `go()`. */
async function service(sidecar: Sidecar, { settings = [] as string[], appFlags = [] as string[], waitForGo = true } = {}) {
  const goFile = join(mkdtempSync(join(tmpdir(), 'livestream-go-')), 'go');
  const started = await startCli(
    [
      `${HTTP}/host=127.0.0.1`,
      `${EXT}/agonesHealthPeriodSeconds=1`,
      ...settings,
      '--',
      process.execPath,
      FAKE_APP,
      ...(waitForGo ? [`--go-file=${goFile}`] : []),
      ...appFlags,
    ],
    sidecar.env,
  );
  return { ...started, go: () => writeFileSync(goFile, '') };
}

/** Waits until the service has logged a line that satisfies `holds`: checked on each piece of its output. */
function untilLogged(cli: CliProcess, holds: (line: Record<string, unknown>) => boolean, what: string) {
  return until(() => cli.logs().some(holds), what, { wakeOn: [{ emitter: cli.child.stdout!, event: 'data' }], failOn: [{ emitter: cli.child, event: 'exit' }] });
}

describe.skipIf(!HAVE_SDK_SERVER)('the service on an Agones GameServer (real SDK sidecar)', () => {
  it('marks the GameServer Ready only after the app is ready, pings health, labels the session, and shuts it down before exiting 0', { timeout: TIMEOUT }, async () => {
    const sidecar = await Sidecar.start();
    const watch = await sidecar.watch();
    const { cli, client, go } = await service(sidecar);
    await sidecar.untilOutput(() => sidecar.healthPings() >= 2, 'two health pings');
    expect((await checkReady({ client })).response.status).toBe(503);
    expect(watch.states).not.toContain('Ready');

    go();
    await watch.until((gs) => gs.state === 'Ready', 'Ready');
    expect((await checkReady({ client })).response.status).toBe(200);

    await setCredentials({ client, body: SEED_CREDENTIALS });
    const { data } = await endSession({ client, body: { sessionId: 'viewer-0042', gracefulShutdown: true } });
    expect(data).toEqual({ sessionStatus: 'COMPLETE' });
    await watch.until((gs) => gs.labels[SESSION_LABEL] === 'viewer-0042', 'the session label');
    await watch.until((gs) => gs.state === 'Shutdown', 'Shutdown');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const logs = cli.logs().map((l) => l.msg);
    expect(logs.indexOf('Agones GameServer shut down')).toBeGreaterThan(-1);
    expect(logs.indexOf('Agones GameServer shut down')).toBeLessThan(logs.indexOf('application stopped'));
  });

  it('without quitOnSessionEnded, puts an allocated GameServer back to Ready after the session', { timeout: TIMEOUT }, async () => {
    const sidecar = await Sidecar.start();
    const watch = await sidecar.watch();
    const { cli, client, go } = await service(sidecar, { settings: [`${EXT}/quitOnSessionEnded=false`] });
    go();
    await watch.until((gs) => gs.state === 'Ready', 'Ready');
    await sidecar.post('/allocate'); // as the allocator hands the server to a viewer
    await watch.until((gs) => gs.state === 'Allocated', 'Allocated');
    await endSession({ client, body: { sessionId: 'viewer-7', gracefulShutdown: true } });
    const seen = await watch.until((gs, i = watch.seen.indexOf(gs)) => gs.state === 'Ready' && watch.states.indexOf('Allocated') < i, 'Ready after Allocated');
    expect(seen.labels[SESSION_LABEL]).toBe('viewer-7');
    // The watch may show Ready before the service has read the sidecar's answer to its call:
    // ask again, a turn apart, until that answer is in (the deadline fails a call left pending).
    const deadline = Date.now() + 5000;
    let status = (await getStatus({ client })).data;
    while (status?.agones?.pendingCalls.length !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      status = (await getStatus({ client })).data;
    }
    expect(status?.agones).toMatchObject({ sdkUrl: sidecar.url, state: 'Ready', healthPings: true, pendingCalls: [] });
    expect(cli.child.exitCode).toBeNull();
  });

  it('makes exactly the calls of the conformance list, no more (the sidecar in conformance mode exits 0)', { timeout: TIMEOUT }, async () => {
    // Labels reach the sidecar (see the other tests), but conformance mode records setlabel only
    // for one test value (the GameServer's creation time), so the list has ready, health, shutdown.
    const sidecar = await Sidecar.start({ test: 'ready,health,shutdown' });
    const { cli, client, go } = await service(sidecar);
    go();
    await sidecar.untilOutput(() => sidecar.output.includes('Ready request has been received!'), 'Ready');
    await endSession({ client, body: { gracefulShutdown: true } });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const exit = await sidecar.stop();
    expect(sidecar.output).toContain('Test run was successful');
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('reaches Ready when the sidecar starts 3 s after the service, and logs the failure once', { timeout: TIMEOUT }, async () => {
    const sidecar = await Sidecar.start({ delaySeconds: 3 });
    const { cli, client, go } = await service(sidecar);
    go();
    await untilLogged(cli, (l) => l.msg === 'readiness changed' && l.to === 'READY_FOR_CONNECTION', 'the app ready');
    // The four endpoints answer all the while.
    expect((await checkReady({ client })).response.status).toBe(200);
    expect(cli.logs().some((l) => l.msg === 'Agones SDK call failed; trying again')).toBe(true);
    const watch = await sidecar.watch();
    await watch.until((gs) => gs.state === 'Ready', 'Ready');
    expect(cli.logs().filter((l) => l.msg === 'Agones SDK call failed; trying again')).toHaveLength(1);
    expect(cli.logs().some((l) => l.msg === 'Agones SDK reachable again')).toBe(true);
  });

  it('stops health pings and never calls Ready when the app exits by itself', { timeout: TIMEOUT }, async () => {
    const sidecar = await Sidecar.start();
    const watch = await sidecar.watch();
    // The app never reports readiness: it prints, and exits 3.
    const { cli } = await service(sidecar, { appFlags: ['--no-api', '--exit=3'], waitForGo: false });
    const exit = await cli.exited;
    expect(exit.code).not.toBe(0);
    // Pings stop as the app goes, while the service is still closing.
    expect(cli.logs().map((l) => l.msg)).toContain('application exited by itself: Agones health pings stopped');
    expect(sidecar.healthPings()).toBeGreaterThanOrEqual(1);
    expect(watch.states).not.toContain('Ready');
  });
});
