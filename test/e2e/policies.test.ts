import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, endSession, setCredentials } from '../../generated/sdk.gen.js';
import { sendEvents } from '../support/contract.js';
import { SEED_CREDENTIALS } from '../support/fixtures.js';
import { killProcesses, startCli } from '../support/process.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(killProcesses);

const HTTP = '--/exts/omni.services.transport.server.http';
const EXT = '--/exts/omni.services.livestream.session';
const FAKE_APP = fileURLToPath(new URL('../fixtures/fake-app.mjs', import.meta.url));
const CLIENT_CONNECTED = 'omni.kit.livestream.client_connected:immediate';
const ENDED = 'omni.services.livestream.session.ended';

describe('livestream-session with the session policies', () => {
  it('ends a session at maxSessionSeconds (set from its env variable) with cause MAX_SESSION_LENGTH, then exits 0', async () => {
    const { cli, client } = await startCli([`${HTTP}/host=127.0.0.1`, '--simulate'], { LIVESTREAM_SESSION_MAX_SESSION_SECONDS: '1' });
    const stream = await EventStreamReader.open(client);
    await setCredentials({ client, body: SEED_CREDENTIALS });
    await sendEvents(client, CLIENT_CONNECTED);
    expect(await stream.next(ENDED)).toEqual({ sessionId: null, cause: 'MAX_SESSION_LENGTH' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('ends a session no client connected to at firstConnectionTimeoutSeconds with cause NO_CLIENT_CONNECTED, then exits 0', async () => {
    const { cli, client } = await startCli([`${HTTP}/host=127.0.0.1`, '--simulate', `${EXT}/firstConnectionTimeoutSeconds=1`]);
    const stream = await EventStreamReader.open(client);
    await setCredentials({ client, body: SEED_CREDENTIALS });
    expect(await stream.next(ENDED)).toEqual({ sessionId: null, cause: 'NO_CLIENT_CONNECTED' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('with drainOnStop, on SIGTERM, ends the session on the event stream with cause SHUTDOWN, then exits 0', async () => {
    const { cli, client } = await startCli([`${HTTP}/host=127.0.0.1`, '--simulate', `${EXT}/drainOnStop=true`]);
    const stream = await EventStreamReader.open(client);
    await sendEvents(client, CLIENT_CONNECTED);
    await endSession({ client, body: { sessionId: 'sess-7' } }); // awaiting resume: still a live session
    cli.kill('SIGTERM');
    expect(await stream.next(ENDED)).toEqual({ sessionId: 'sess-7', cause: 'SHUTDOWN' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('by default (as Kit), on SIGTERM, dispatches nothing and exits 0', async () => {
    const { cli, client } = await startCli([`${HTTP}/host=127.0.0.1`, '--simulate']);
    const stream = await EventStreamReader.open(client);
    await sendEvents(client, CLIENT_CONNECTED);
    cli.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    await stream.done;
    expect(stream.names()).not.toContain(ENDED);
  });
});

describe('livestream-session --/…/drainOnStop=true -- <app> on SIGTERM during a live session', () => {
  async function supervised(appFlags: string[], settings: string[] = []) {
    const goFile = join(mkdtempSync(join(tmpdir(), 'livestream-go-')), 'go');
    const started = await startCli([`${HTTP}/host=127.0.0.1`, `${EXT}/drainOnStop=true`, ...settings, '--', process.execPath, FAKE_APP, `--go-file=${goFile}`, ...appFlags]);
    writeFileSync(goFile, '');
    await started.cli.waitForOutput('fake-app: ready signalled');
    await setCredentials({ client: started.client, body: SEED_CREDENTIALS });
    await sendEvents(started.client, CLIENT_CONNECTED);
    return started;
  }

  it('tells the application the session ended with cause SHUTDOWN and its deadline before it gets SIGTERM, then exits 0', async () => {
    const { cli } = await supervised([], [`${EXT}/appStopGraceSeconds=7`]);
    cli.kill('SIGTERM');
    await cli.waitForOutput('fake-app: SIGTERM received');
    const ended = cli.stdout.indexOf('fake-app: session ended cause=SHUTDOWN sessionId=null deadlineSeconds=7');
    expect(ended).toBeGreaterThanOrEqual(0);
    expect(ended).toBeLessThan(cli.stdout.indexOf('fake-app: SIGTERM received'));
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('answers readiness 503 SHUTTING_DOWN with the recycle-instance message while the application is being stopped', async () => {
    const { cli, client } = await supervised(['--ignore-term'], [`${EXT}/appStopGraceSeconds=3`]);
    cli.kill('SIGINT');
    await cli.waitForOutput('fake-app: SIGTERM ignored');
    const { response, error } = await checkReady({ client });
    expect(response.status).toBe(503);
    expect(error).toEqual({ statusMessage: 'Status: Streaming session ended (recycle instance)', reason: 'SHUTTING_DOWN' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });
});
