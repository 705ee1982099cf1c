import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, checkStartup, endSession } from '../../generated/sdk.gen.js';
import { runNvcfCheck } from '../../src/index.js';
import type { ListenedEventName } from '../../generated/types.gen.js';
import { sendEvents } from '../support/contract.js';
import { killProcesses, startCli } from '../support/process.js';
import { APP_READY, NEW_FRAME, SEED_CREDENTIALS } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(killProcesses);

const EXT = '--/exts/omni.services.livestream.session';

async function startNvcfCli(extra: string[] = []) {
  const started = await startCli([`${EXT}/quitOnSessionEnded=true`, `${EXT}/resumeTimeoutSeconds=30`, ...extra]);
  const send = (event: ListenedEventName) => sendEvents(started.client, event);
  return { ...started, send };
}

describe('the CLI driven as NVCF drives it', () => {
  it("passes NVCF's check from start-up to exit 0, the app receiving the credentials and the end of the session", async () => {
    const { cli, url, client, send } = await startNvcfCli();
    const stream = await EventStreamReader.open(client);
    const checked = runNvcfCheck({ baseUrl: url, credentials: SEED_CREDENTIALS, sessionId: 'nvcf-1', reconnectWindowSeconds: 2, pollIntervalMs: 100 });

    // While NVCF polls, the streaming app reports its start-up through the local event API.
    await send(APP_READY);
    await send(NEW_FRAME);
    const report = await checked;
    expect(report.checks.filter((c) => c.outcome !== 'pass')).toEqual([]);
    expect(report.readiness.at(-1)).toMatchObject({ httpStatus: 200, statusMessage: 'Status: Ready for connection' });

    expect(await stream.next('omni.services.livestream.session.stun_credentials')).toEqual(SEED_CREDENTIALS);
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
