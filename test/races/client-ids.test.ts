import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, getStatus, sendEvent } from '../../generated/sdk.gen.js';
import type { AppEvent } from '../../generated/types.gen.js';
import { CLIENT_CONNECTED, CLIENT_DISCONNECTED, startService, stopServices, APP_READY, NEW_FRAME } from '../support/service.js';

afterEach(stopServices);

const CLIENTS = 2000;
const CONNECTIONS = 64;

/** Posts one event on one of the agent's keep-alive connections. */
function post(url: string, agent: Agent, body: AppEvent): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/streaming/events`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** A fixed shuffle (the same every run), so that many disconnects go out before their connects. */
function shuffled<T>(items: T[]): T[] {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('2000 clients connecting and disconnecting at once, from many connections', () => {
  it('with client ids, leave no client counted and the instance ready for connection', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    const events: AppEvent[] = Array.from({ length: CLIENTS }, (_, i) => [
      { event: CLIENT_CONNECTED, payload: { clientId: `client-${i}` } } as const,
      { event: CLIENT_DISCONNECTED, payload: { clientId: `client-${i}` } } as const,
    ]).flat();
    const order = shuffled(events);
    // The disconnect of many a client is sent before its connect.
    const early = new Set<string>();
    const seen = new Set<string>();
    for (const e of order) {
      const id = e.payload!.clientId!;
      if (e.event === CLIENT_DISCONNECTED && !seen.has(id)) early.add(id);
      seen.add(id);
    }
    expect(early.size).toBeGreaterThan(CLIENTS / 4);

    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    try {
      const statuses = await Promise.all(order.map((body) => post(running.url, agent, body)));
      expect(statuses.every((s) => s === 202)).toBe(true);
    } finally {
      agent.destroy();
    }

    const { data: status } = await getStatus({ client: running.client });
    expect(status?.clients).toBe(0);
    const { data: ready } = await checkReady({ client: running.client });
    expect(ready).toEqual({ statusMessage: 'Status: Ready for connection', reason: 'READY_FOR_CONNECTION' });
    // 4000 requests through the whole pipeline take their time on a loaded machine.
  }, 180_000);

  it('without ids, a disconnect handled before its connect is lost at zero (the counter the ids replace)', async () => {
    const running = await startService();
    await running.send(APP_READY, NEW_FRAME);
    await sendEvent({ client: running.client, body: { event: CLIENT_DISCONNECTED } });
    await sendEvent({ client: running.client, body: { event: CLIENT_CONNECTED } });
    const { data: status } = await getStatus({ client: running.client });
    expect(status?.clients).toBe(1);
  });
});
