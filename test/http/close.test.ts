import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createSessionService } from '../../src/service.js';
import { silentLogger } from '../support/service.js';

function serviceThatNeverForcesClose() {
  // With no forced cut, close() can only finish by closing every connection itself.
  return createSessionService({ logger: silentLogger, onExit: () => {}, closeTimeoutMs: 3_600_000 });
}

describe('close()', () => {
  it('closes a connection that never sent a request instead of waiting for it', async () => {
    const service = serviceThatNeverForcesClose();
    const { port } = await service.listen({ host: '127.0.0.1', port: 0 });
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});
    await service.close();
    await socketClosed;
  });

  it('closes kept-alive connections once their answers are sent', async () => {
    const service = serviceThatNeverForcesClose();
    const { url } = await service.listen({ host: '127.0.0.1', port: 0 });
    expect((await fetch(`${url}/v1/streaming/startup`)).status).toBe(200);
    await service.close();
    await expect(fetch(`${url}/v1/streaming/startup`)).rejects.toThrow();
  });
});
