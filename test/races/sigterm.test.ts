import { afterEach, describe, expect, it } from 'vitest';
import { SEED_CREDENTIALS } from '../support/fixtures.js';
import { CliProcess, killProcesses, startCli } from '../support/process.js';
import { RawConnection } from '../support/raw-http.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(killProcesses);

const HTTP = '--/exts/omni.services.transport.server.http';

const startLoopbackCli = () => startCli([`${HTTP}/host=127.0.0.1`]);

/** Waits until the process has written `text` to stderr; fails if it exits first. */
async function stderrShows(cli: CliProcess, text: string): Promise<void> {
  let exited = false;
  void cli.exited.then(() => (exited = true));
  while (!cli.stderr.includes(text)) {
    if (exited) throw new Error(`exited before writing "${text}"\nstderr: ${cli.stderr}`);
    await new Promise<void>((resolve) => {
      cli.child.stderr!.once('data', () => resolve());
      void cli.exited.then(() => resolve());
    });
  }
}

/** A credentials request whose head the service has taken and whose body is half sent. */
async function halfSentCredentials(port: number) {
  const body = JSON.stringify(SEED_CREDENTIALS);
  const half = Math.floor(body.length / 2);
  const connection = await RawConnection.open(port);
  connection.sendHead('POST', '/v1/streaming/creds', { length: Buffer.byteLength(body), expectContinue: true });
  // 100 Continue: the service has read the head, so the request is in flight when SIGTERM comes.
  await connection.continued();
  connection.sendBody(body.slice(0, half));
  return { connection, rest: body.slice(half) };
}

/** Whether the port stops taking connections within `withinMs` (the process closes it just after saying so). */
async function stopsTakingConnections(port: number, withinMs = 5_000): Promise<boolean> {
  const giveUpAt = performance.now() + withinMs;
  while (performance.now() < giveUpAt) {
    const refused = await RawConnection.open(port).then(
      (connection) => (connection.close(), false),
      () => true,
    );
    if (refused) return true;
  }
  return false;
}

describe('SIGTERM while requests are in flight', () => {
  it('lets a request whose body is still arriving finish with its 2xx answer, then exits 0', async () => {
    const { cli, port } = await startLoopbackCli();
    const { connection, rest } = await halfSentCredentials(port);

    cli.kill('SIGTERM');
    await stderrShows(cli, 'SIGTERM, closing');
    expect(await stopsTakingConnections(port)).toBe(true);
    expect(cli.child.exitCode).toBeNull();

    connection.sendBody(rest);
    const answer = await connection.response();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ success: true, errorMessage: null });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('ends open event streams, finishes the request in flight, then exits 0', async () => {
    const { cli, port, client } = await startLoopbackCli();
    const streams = await Promise.all([EventStreamReader.open(client), EventStreamReader.open(client)]);
    const { connection, rest } = await halfSentCredentials(port);

    cli.kill('SIGTERM');
    await Promise.all(streams.map((stream) => stream.done));
    expect(streams.every((stream) => stream.closed)).toBe(true);
    expect(cli.child.exitCode).toBeNull();

    connection.sendBody(rest);
    expect((await connection.response()).status).toBe(200);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    // The credentials reached no stream: they had ended before the request completed.
    expect(streams.flatMap((stream) => stream.names())).not.toContain('omni.services.livestream.session.stun_credentials');
  });

  it('lets several half-sent requests finish (credentials, an event, a graceful end), then exits 0', async () => {
    const { cli, port } = await startLoopbackCli();
    const requests = [
      { path: '/v1/streaming/creds', body: JSON.stringify(SEED_CREDENTIALS), status: 200 },
      { path: '/v1/streaming/events', body: JSON.stringify({ event: 'omni.kit.livestream.client_connected:immediate' }), status: 202 },
      { path: '/v1/streaming/endsession', body: JSON.stringify({ sessionId: 'last', gracefulShutdown: true }), status: 200 },
    ];
    const inFlight = await Promise.all(
      requests.map(async ({ path, body }) => {
        const connection = await RawConnection.open(port);
        connection.sendHead('POST', path, { length: Buffer.byteLength(body), expectContinue: true });
        await connection.continued();
        connection.sendBody(body.slice(0, 5));
        return { connection, rest: body.slice(5) };
      }),
    );

    cli.kill('SIGTERM');
    await stderrShows(cli, 'SIGTERM, closing');
    for (const { connection, rest } of inFlight) connection.sendBody(rest);
    const answers = await Promise.all(inFlight.map(({ connection }) => connection.response()));
    expect(answers.map((answer) => answer.status)).toEqual(requests.map((request) => request.status));
    expect(JSON.parse(answers[2]!.body)).toEqual({ sessionStatus: 'COMPLETE' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });
});
