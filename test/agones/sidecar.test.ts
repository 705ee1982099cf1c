import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, endSession, getStatus, sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import type { Client } from '../../src/client.js';
import { HAVE_SDK_SERVER, SDK_SERVER, Sidecar, killSidecars, type GameServerWatch, type Occupancy } from '../support/agones.js';
import { type CliProcess, killProcesses, startCli } from '../support/process.js';
import { until } from '../support/until.js';
import { CLIENT_CONNECTED, CLIENT_DISCONNECTED, SEED_CREDENTIALS } from '../support/service.js';

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
    // The label and Ready are two calls: the watch may show either first.
    await watch.until((gs, i = watch.seen.indexOf(gs)) => gs.state === 'Ready' && watch.states.indexOf('Allocated') < i && gs.labels[SESSION_LABEL] === 'viewer-7', 'Ready after Allocated, labelled viewer-7');
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
    // for one test value (the GameServer's creation time), so the list has ready, health, the
    // read of the GameServer (for its Counters and Lists), shutdown.
    const sidecar = await Sidecar.start({ test: 'ready,health,gameserver,shutdown' });
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
    // The watch may show Ready before the service's line saying so has reached the test.
    await untilLogged(cli, (l) => l.msg === 'Agones SDK reachable again', 'the sidecar reachable again');
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

/** A GameServer declaring the Counter and List the service keeps by default. */
const OCCUPANCY: Occupancy = { counters: { sessions: { count: 0, capacity: 1 } }, lists: { clients: { capacity: 8, values: [] } } };

const connect = (client: Client, clientId: string) => sendEvent({ client, body: { event: CLIENT_CONNECTED, payload: { clientId } } });
const disconnect = (client: Client, clientId: string) => sendEvent({ client, body: { event: CLIENT_DISCONNECTED, payload: { clientId } } });

/** The index of the first GameServer the watch showed after `from` that satisfies `holds`. */
async function seenAfter(watch: GameServerWatch, from: number, holds: (gs: GameServerWatch['seen'][number]) => boolean, what: string): Promise<number> {
  await watch.until((gs) => watch.seen.indexOf(gs) > from && holds(gs), what);
  return watch.seen.findIndex((gs, i) => i > from && holds(gs));
}

const FULL_LIST = 'Agones List is full: a connected client is listed once another leaves';

// The watch shows state changes; Counters and Lists are read from the sidecar (its local watch
// sends nothing when they change).
describe.skipIf(!HAVE_SDK_SERVER)('the service allocating its Agones GameServer and keeping its Counter and List (real SDK sidecar, CountsAndLists)', () => {
  it('a session started by credentials: Allocated and counted, its clients listed as they come and go, Ready again at 0 after it', { timeout: TIMEOUT }, async () => {
    const sidecar = await Sidecar.start({ occupancy: OCCUPANCY });
    const watch = await sidecar.watch();
    const { cli, client, go } = await service(sidecar, { settings: [`${EXT}/quitOnSessionEnded=false`] });
    go();
    const ready = await seenAfter(watch, -1, (gs) => gs.state === 'Ready', 'Ready');
    expect((await sidecar.gameServer()).counters).toEqual({ sessions: 0 });

    await setCredentials({ client, body: SEED_CREDENTIALS });
    const allocated = await seenAfter(watch, ready, (gs) => gs.state === 'Allocated', 'Allocated');
    await sidecar.untilGameServer((gs) => gs.counters.sessions === 1, 'the session counted');
    await connect(client, 'viewer-a');
    await connect(client, 'viewer-b');
    await sidecar.untilGameServer((gs) => gs.lists.clients?.length === 2, 'both clients listed');
    expect((await sidecar.gameServer()).lists.clients!.toSorted()).toEqual(['viewer-a', 'viewer-b']);
    await disconnect(client, 'viewer-a');
    const one = await sidecar.untilGameServer((gs) => gs.lists.clients?.length === 1, 'viewer-a gone from the List');
    expect(one).toMatchObject({ state: 'Allocated', counters: { sessions: 1 }, lists: { clients: ['viewer-b'] } });

    await disconnect(client, 'viewer-b');
    await endSession({ client, body: { sessionId: 'viewer-session', gracefulShutdown: true } });
    const again = await seenAfter(watch, allocated, (gs) => gs.state === 'Ready', 'Ready again');
    expect(watch.states.slice(allocated, again)).not.toContain('Ready');
    await sidecar.untilGameServer((gs) => gs.counters.sessions === 0 && gs.lists.clients?.length === 0, 'the Counter at 0 and the List empty');
    expect(cli.child.exitCode).toBeNull();
    expect(cli.logs().filter((l) => String(l.msg).startsWith('Agones GameServer declares no such'))).toEqual([]);
  });

  it('a session started by a client that connects directly: Allocated, counted and listed', { timeout: TIMEOUT }, async () => {
    const sidecar = await Sidecar.start({ occupancy: OCCUPANCY });
    const watch = await sidecar.watch();
    const { client, go } = await service(sidecar, { settings: [`${EXT}/quitOnSessionEnded=false`] });
    go();
    const ready = await seenAfter(watch, -1, (gs) => gs.state === 'Ready', 'Ready');
    await connect(client, 'viewer-direct');
    await seenAfter(watch, ready, (gs) => gs.state === 'Allocated', 'Allocated');
    await sidecar.untilGameServer((gs) => gs.counters.sessions === 1 && gs.lists.clients?.[0] === 'viewer-direct', 'counted and listed');
    // The service has read the sidecar's answers once nothing is pending: ask again, a turn apart.
    let status = (await getStatus({ client })).data;
    const deadline = Date.now() + 5000;
    while ((status?.agones?.pendingCalls.length !== 0 || status.agones.list?.size !== 1) && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      status = (await getStatus({ client })).data;
    }
    expect(status?.agones).toMatchObject({ state: 'Allocated', pendingCalls: [], counter: { name: 'sessions', declared: true, count: 1 }, list: { name: 'clients', declared: true, size: 1 } });
  });

  it('a full List: a client that does not fit is listed once another leaves, and the service says so once', { timeout: TIMEOUT }, async () => {
    const sidecar = await Sidecar.start({ occupancy: { ...OCCUPANCY, lists: { clients: { capacity: 1, values: [] } } } });
    const watch = await sidecar.watch();
    const { cli, client, go } = await service(sidecar, { settings: [`${EXT}/quitOnSessionEnded=false`] });
    go();
    await seenAfter(watch, -1, (gs) => gs.state === 'Ready', 'Ready');
    await connect(client, 'viewer-1');
    await sidecar.untilGameServer((gs) => gs.lists.clients?.[0] === 'viewer-1', 'viewer-1 listed');
    await connect(client, 'viewer-2');
    await connect(client, 'viewer-3');
    await untilLogged(cli, (l) => l.msg === FULL_LIST, 'the List full');
    await disconnect(client, 'viewer-1');
    const after = await sidecar.untilGameServer((gs) => gs.lists.clients?.length === 1 && gs.lists.clients[0] !== 'viewer-1', 'a waiting client listed in its place');
    expect(['viewer-2', 'viewer-3']).toContain(after.lists.clients![0]);
    expect(cli.logs().filter((l) => l.msg === FULL_LIST)).toHaveLength(1);
    expect(cli.child.exitCode).toBeNull();
  });

  it('a GameServer that declares no Counter and no List: Allocated all the same, each said once at info level', { timeout: TIMEOUT }, async () => {
    const sidecar = await Sidecar.start();
    const watch = await sidecar.watch();
    const { cli, client, go } = await service(sidecar, { settings: [`${EXT}/quitOnSessionEnded=false`] });
    go();
    await seenAfter(watch, -1, (gs) => gs.state === 'Ready', 'Ready');
    await setCredentials({ client, body: SEED_CREDENTIALS });
    await seenAfter(watch, -1, (gs) => gs.state === 'Allocated', 'Allocated');
    const said = cli.logs().filter((l) => String(l.msg).startsWith('Agones GameServer declares no such'));
    expect(said.map((l) => [l.level, l.msg])).toEqual([
      [30, 'Agones GameServer declares no such Counter: sessions are not counted'],
      [30, 'Agones GameServer declares no such List: connected clients are not listed'],
    ]);
  });
});
