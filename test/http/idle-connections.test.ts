// Connections that never send a byte are closed once `headersTimeoutSeconds` have passed,
// while event streams and answered keep-alive connections are left alone; running out of file
// descriptors is logged, and the service answers again once some are free.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady } from '../../generated/sdk.gen.js';
import { specCheckedClient } from '../support/contract.js';
import { CliProcess, freePort, killProcesses, startCli } from '../support/process.js';
import { RawConnection } from '../support/raw-http.js';
import { APP_READY, startService, stopServices } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await stopServices();
  await killProcesses();
});

/** A connection that sends nothing; resolves once it is open, with when it closes. */
function silent(port: number): Promise<{ openedAt: number; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('error', reject);
    const closed = new Promise<number>((done) => socket.once('close', () => done(performance.now())));
    socket.once('connect', () => resolve({ openedAt: performance.now(), closed }));
  });
}

describe('a connection that never sends a byte', () => {
  it('is closed after headersTimeoutSeconds, and event streams and answered connections stay open', async () => {
    const running = await startService({ headersTimeoutSeconds: 1 });
    const port = Number(new URL(running.url).port);
    const stream = await EventStreamReader.open(running.client);
    const answered = await RawConnection.open(port);
    sockets.push(answered.socket);
    answered.sendHead('GET', '/v1/streaming/startup');
    expect((await answered.response()).status).toBe(200);

    const idle = await Promise.all(Array.from({ length: 20 }, () => silent(port)));
    const waited = await Promise.all(idle.map(async ({ openedAt, closed }) => (await closed) - openedAt));
    // Closed by the time-out (timers never fire early; 50 ms for clocks read apart), not before.
    for (const ms of waited) expect(ms).toBeGreaterThanOrEqual(950);

    expect(stream.closed).toBe(false);
    expect(answered.closed).toBe(false);
    await running.send(APP_READY);
    expect(await stream.next('readiness', (r) => r.reason === 'RTX_NOT_READY')).toMatchObject({ reason: 'RTX_NOT_READY' });
    stream.close();
  });

  it('is closed by the CLI too, and a request that comes in time is answered', { timeout: 20_000 }, async () => {
    const { port, client } = await startCli(['--/exts/omni.services.livestream.session/headersTimeoutSeconds=1']);
    const idle = await silent(port);
    const late = await silent(port);
    await idle.closed;
    await late.closed;
    const { response } = await checkReady({ client });
    expect(response.status).toBe(503);
  });
});

describe('running out of file descriptors', () => {
  it('is logged once for a burst, and the service answers again once the held connections close', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const cli = new CliProcess(
      [`--/exts/omni.services.transport.server.http/port=${port}`, '--/exts/omni.services.livestream.session/headersTimeoutSeconds=2'],
      {},
      ['prlimit', '--nofile=64'],
    );
    await cli.waitForLog('listening');
    // More connections than the process has descriptors, none of them saying anything.
    const held = await Promise.all(Array.from({ length: 100 }, () => silent(port)));
    const line = await cli.waitForLog('out of file descriptors: new connections are closed at once until some close');
    expect(line).toMatchObject({ level: 50, openFilesLimit: 64 });
    await Promise.all(held.map(({ closed }) => closed));
    expect(cli.logs().filter((l) => l.msg === line.msg)).toHaveLength(1);
    const { response } = await checkReady({ client: specCheckedClient(`http://127.0.0.1:${port}`) });
    expect(response.status).toBe(503);
  });
});
