import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, endSession, setCredentials } from '../../generated/sdk.gen.js';
import { assertMatchesSchema, sendEvents } from '../support/contract.js';
import { SEED_CREDENTIALS } from '../support/fixtures.js';
import { killProcesses, startCli } from '../support/process.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(killProcesses);

const HTTP = '--/exts/omni.services.transport.server.http';
const EXT = '--/exts/omni.services.livestream.session';
const FAKE_APP = fileURLToPath(new URL('../fixtures/fake-app.mjs', import.meta.url));
const CLIENT_CONNECTED = 'omni.kit.livestream.client_connected:immediate';
const ENDED = 'omni.services.livestream.session.ended';
const IDLE_WARNING = 'omni.services.livestream.session.idle_warning';
const IDLE_WARNING_CANCELLED = 'omni.services.livestream.session.idle_warning_cancelled';

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

describe('livestream-session --/…/idleTimeoutSeconds -- <app> that stops reporting user input', () => {
  it('warns the application, cancels the warning on its input, warns again, then ends the session with cause IDLE_TIMEOUT and exits 0', async () => {
    const goFile = join(mkdtempSync(join(tmpdir(), 'livestream-go-')), 'go');
    // The warning leaves the application 2 s to answer it, however loaded the machine.
    const idle = [`${EXT}/idleTimeoutSeconds=3`, `${EXT}/idleWarningSeconds=2`];
    const { cli, client } = await startCli([`${HTTP}/host=127.0.0.1`, ...idle, '--', process.execPath, FAKE_APP, `--go-file=${goFile}`, '--input-on-warning=1']);
    const stream = await EventStreamReader.open(client);
    writeFileSync(goFile, '');
    await cli.waitForOutput('fake-app: ready signalled');
    await setCredentials({ client, body: SEED_CREDENTIALS });
    await sendEvents(client, CLIENT_CONNECTED);
    await cli.waitForOutput('fake-app: session ended cause=IDLE_TIMEOUT sessionId=null');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    // What the application saw, in order: a warning it answered with input, the cancel, a warning it let run out, the end.
    const seen = cli.stdout.split('\n').filter((line) => /fake-app: (idle|reporting user input|session ended)/.test(line));
    expect(seen).toEqual([
      'fake-app: idle warning secondsLeft=2',
      'fake-app: reporting user input',
      'fake-app: idle warning cancelled',
      'fake-app: idle warning secondsLeft=2',
      'fake-app: session ended cause=IDLE_TIMEOUT sessionId=null',
    ]);
    // The event stream carried the same, each payload as the spec declares it.
    await stream.done;
    const idleEvents = stream.received.filter((e) => e.event.startsWith('omni.services.livestream.session.idle') || e.event === ENDED);
    expect(idleEvents.map((e) => [e.event, e.data])).toEqual([
      [IDLE_WARNING, { secondsLeft: 2 }],
      [IDLE_WARNING_CANCELLED, {}],
      [IDLE_WARNING, { secondsLeft: 2 }],
      [ENDED, { sessionId: null, cause: 'IDLE_TIMEOUT' }],
    ]);
    assertMatchesSchema('IdleWarning', idleEvents[0]!.data);
    assertMatchesSchema('SessionEnded', idleEvents[3]!.data);
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
