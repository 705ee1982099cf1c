import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkReady, checkStartup } from '../../generated/sdk.gen.js';
import { raw, startService, stopServices, type RunningService } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await stopServices();
});

/** A raw connection that sends `text` and collects what comes back until the server closes it. */
function rawConnection(running: RunningService, text: string) {
  const { port } = new URL(running.url);
  const socket = connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  let received = '';
  let closed = false;
  socket.on('data', (chunk) => (received += String(chunk)));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  socket.write(text);
  return { socket, received: () => received, closed: () => closed };
}

async function probesAnswer(running: RunningService) {
  expect((await checkStartup({ client: running.client })).response.status).toBe(200);
  expect((await checkReady({ client: running.client })).response.status).toBe(503);
}

describe('limits', () => {
  it('bounds the open event streams: one more closes the oldest, which reconnects and loses nothing kept', async () => {
    const running = await startService({ maxEventStreams: 2 });
    const oldest = await EventStreamReader.open(running.client);
    const second = await EventStreamReader.open(running.client);
    const third = await EventStreamReader.open(running.client);
    await vi.waitFor(() => expect(oldest.closed).toBe(true), { timeout: 5_000, interval: 20 });
    expect(second.closed || third.closed).toBe(false);
    await probesAnswer(running);
    for (const s of [second, third]) s.close();
  });

  it('closes a connection whose headers do not arrive in time, and the probes answer meanwhile', async () => {
    const running = await startService({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 });
    const slow = Array.from({ length: 20 }, () => rawConnection(running, 'GET /v1/streaming/ready HTTP/1.1\r\nHost: x\r\n'));
    await probesAnswer(running);
    // Node checks time-outs once a second: wait for the close, not for a fixed time.
    await vi.waitFor(() => expect(slow.every((c) => c.closed())).toBe(true), { timeout: 5_000, interval: 50 });
    expect(slow[0]!.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection whose body does not arrive in time, and the probes answer meanwhile', async () => {
    const running = await startService({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 });
    const head = 'POST /v1/streaming/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const slow = rawConnection(running, `${head}{"event":`);
    await probesAnswer(running);
    await vi.waitFor(() => expect(slow.closed()).toBe(true), { timeout: 6_000, interval: 50 });
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(running.service.state.appReady).toBe(false);
  });
});
