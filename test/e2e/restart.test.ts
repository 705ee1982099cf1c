import { afterEach, describe, expect, it } from 'vitest';
import { sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import type { Client } from '../../src/client.js';
import { specCheckedClient } from '../support/contract.js';
import { CliProcess, freePort, killProcesses } from '../support/process.js';
import { APP_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED, NEW_FRAME, SEED_CREDENTIALS } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(killProcesses);

const CREDENTIALS_EVENT = 'omni.services.livestream.session.stun_credentials';

/** The CLI on `port`, once it listens. */
async function serve(port: number): Promise<{ cli: CliProcess; client: Client }> {
  const cli = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`]);
  await cli.waitForLog('listening');
  return { cli, client: specCheckedClient(`http://127.0.0.1:${port}`) };
}

async function send(client: Client, ...events: Array<{ event: typeof APP_READY | typeof NEW_FRAME | typeof CLIENT_CONNECTED | typeof CLIENT_DISCONNECTED }>) {
  for (const body of events) expect((await sendEvent({ client, body })).response.status).toBe(202);
}

describe('a listener that reconnects to a restarted service', () => {
  it('with the last Last-Event-ID of the instance before, is sent everything the new one dispatched', async () => {
    const port = await freePort();
    const first = await serve(port);
    const before = await EventStreamReader.open(first.client);
    // More events on the first instance than the second will have sent when the listener comes back.
    await send(first.client, { event: APP_READY }, { event: NEW_FRAME }, { event: CLIENT_CONNECTED }, { event: CLIENT_DISCONNECTED }, { event: CLIENT_CONNECTED }, { event: CLIENT_DISCONNECTED });
    await before.next('readiness', (r) => r.reason === 'READY_FOR_CONNECTION');
    await expect.poll(() => before.received.length).toBe(7);
    const lastSeen = before.received.at(-1)!.id!;

    first.cli.kill('SIGTERM');
    expect(await first.cli.exited).toEqual({ code: 0, signal: null });
    await before.done;

    const second = await serve(port);
    await send(second.client, { event: APP_READY }, { event: NEW_FRAME });
    expect((await setCredentials({ client: second.client, body: SEED_CREDENTIALS })).response.status).toBe(200);

    const after = await EventStreamReader.open(second.client, { lastEventId: lastSeen });
    // A client connecting marks the end of what the listener is to see.
    await send(second.client, { event: CLIENT_CONNECTED });
    await after.next('readiness', (r) => r.reason === 'SESSION_ACTIVE');
    // Everything the second instance dispatched, in order, under ids that are not the first one's.
    expect(after.received.map((e) => [e.event, (e.data as { reason?: string }).reason])).toEqual([
      ['readiness', 'RTX_NOT_READY'],
      ['readiness', 'READY_FOR_CONNECTION'],
      [CREDENTIALS_EVENT, undefined],
      ['readiness', 'SESSION_ACTIVE'],
    ]);
    expect(after.received[2]!.data).toEqual(SEED_CREDENTIALS);
    const instance = (id: string | undefined) => id?.replace(/-\d+$/, '');
    expect(new Set(after.received.map((e) => instance(e.id))).size).toBe(1);
    expect(instance(after.received[0]!.id)).not.toBe(instance(lastSeen));
  });
});
