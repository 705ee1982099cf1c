import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, checkStartup, endSession, setCredentials } from '../../generated/sdk.gen.js';
import type { ListenedEventName } from '../../generated/types.gen.js';
import { sendEvents } from '../support/contract.js';
import { killProcesses, startCli } from '../support/process.js';
import { APP_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED, NEW_FRAME, SEED_CREDENTIALS } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(killProcesses);

const EXT = '--/exts/omni.services.livestream.session';

async function startNvcfCli(extra: string[] = []) {
  const started = await startCli([`${EXT}/quitOnSessionEnded=true`, `${EXT}/resumeTimeoutSeconds=30`, ...extra]);
  const send = (event: ListenedEventName) => sendEvents(started.client, event);
  return { ...started, send };
}

describe('the CLI driven as NVCF drives it', () => {
  it('goes from start-up to a streamed session, ends gracefully, answers 200 and exits 0', async () => {
    const { cli, client, send } = await startNvcfCli();

    expect((await checkStartup({ client })).response.status).toBe(200);
    const notReady = await checkReady({ client });
    expect(notReady.response.status).toBe(503);
    expect(notReady.error).toMatchObject({ statusMessage: 'Status: App not ready' });

    // The streaming app reports its start-up through the local event API.
    const stream = await EventStreamReader.open(client);
    await send(APP_READY);
    await send(NEW_FRAME);
    const ready = await checkReady({ client });
    expect(ready.response.status).toBe(200);
    expect(ready.data).toMatchObject({ statusMessage: 'Status: Ready for connection' });

    // Credentials reach the app on the event stream.
    expect((await setCredentials({ client, body: SEED_CREDENTIALS })).data).toEqual({ success: true, errorMessage: null });
    expect(await stream.next('omni.services.livestream.session.stun_credentials')).toEqual(SEED_CREDENTIALS);

    // A client streams, drops, and NVCF polls endsession through its reconnect window.
    await send(CLIENT_CONNECTED);
    expect((await checkReady({ client })).data).toMatchObject({ statusMessage: 'Status: Streaming session active (keep alive)' });
    await send(CLIENT_DISCONNECTED);
    expect((await endSession({ client, body: { sessionId: 'nvcf-1', gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'AWAITING_RESUME' });
    const awaiting = await checkReady({ client });
    expect(awaiting.response.status).toBe(200);
    expect(awaiting.data).toMatchObject({ statusMessage: 'Status: Awaiting session resume (keep alive)', reason: 'AWAITING_RESUME' });

    // Finally it ends the session for good: the answer arrives, then the process exits 0.
    const final = await endSession({ client, body: { sessionId: 'nvcf-1', gracefulShutdown: true } });
    expect(final.response.status).toBe(200);
    expect(final.data).toEqual({ sessionStatus: 'COMPLETE' });
    expect(await stream.next('omni.services.livestream.session.ended')).toEqual({ sessionId: 'nvcf-1', cause: 'GRACEFUL_SHUTDOWN' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout + cli.stderr).not.toContain('turnpass');
  });

  it('takes settings as --/exts arguments: waitForSessionReadyEvent', async () => {
    const { client, send } = await startNvcfCli([`${EXT}/waitForSessionReadyEvent=true`]);
    await send(APP_READY);
    await send(NEW_FRAME);
    expect((await checkReady({ client })).error).toMatchObject({ statusMessage: 'Status: Session ready event not received' });
    await send('omni.services.livestream.session.ready');
    expect((await checkReady({ client })).data).toMatchObject({ statusMessage: 'Status: Ready for connection' });
  });

  it('keeps running after a session ends when quitOnSessionEnded=false', async () => {
    const { cli, client } = await startNvcfCli([`${EXT}/quitOnSessionEnded=false`]);
    expect((await endSession({ client, body: { gracefulShutdown: true } })).data).toEqual({ sessionStatus: 'COMPLETE' });
    expect((await checkStartup({ client })).response.status).toBe(200);
    expect(cli.child.exitCode).toBeNull();
  });
});
