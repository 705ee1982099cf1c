import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, endSession, setCredentials } from '../../generated/sdk.gen.js';
import type { ListenedEventName } from '../../generated/types.gen.js';
import { sendEvents, specCheckedClient } from '../support/contract.js';
import { CliProcess, freePort, killProcesses, startCli } from '../support/process.js';
import { CLIENT_CONNECTED, CLIENT_DISCONNECTED, SEED_CREDENTIALS } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(killProcesses);

const EXT = '--/exts/omni.services.livestream.session';
const HTTP = '--/exts/omni.services.transport.server.http';
const FAKE_APP = fileURLToPath(new URL('../fixtures/fake-app.mjs', import.meta.url));

/** The CLI supervising the fake streaming app; the app reports ready once `go()` is called. */
async function supervised(appFlags: string[] = [], settings: string[] = []) {
  const goFile = join(mkdtempSync(join(tmpdir(), 'livestream-go-')), 'go');
  const { cli, client, port } = await startCli([
    `${HTTP}/host=127.0.0.1`,
    `${EXT}/resumeTimeoutSeconds=3600`,
    ...settings,
    '--',
    process.execPath,
    FAKE_APP,
    `--go-file=${goFile}`,
    ...appFlags,
  ]);
  const send = (event: ListenedEventName) => sendEvents(client, event);
  const reason = async () => {
    const { data, error } = await checkReady({ client });
    return (data ?? error)!.reason;
  };
  return { cli, client, port, send, reason, go: () => writeFileSync(goFile, '') };
}

describe('livestream-session -- <command>: the streaming application as a supervised child', () => {
  it('runs a whole session with the app, then stops the app with SIGTERM and exits 0', async () => {
    const { cli, client, port, send, reason, go } = await supervised();
    await cli.waitForOutput(`fake-app: started url=http://127.0.0.1:${port}`);
    await cli.waitForOutput('fake-app: readiness APP_NOT_READY');
    const notReady = await checkReady({ client });
    expect(notReady.response.status).toBe(503);
    expect(notReady.error).toMatchObject({ statusMessage: 'Status: App not ready' });

    go();
    await cli.waitForOutput('fake-app: ready signalled');
    const ready = await checkReady({ client });
    expect(ready.response.status).toBe(200);
    expect(ready.data).toMatchObject({ statusMessage: 'Status: Ready for connection' });

    expect((await setCredentials({ client, body: SEED_CREDENTIALS })).data).toEqual({ success: true, errorMessage: null });
    await cli.waitForOutput('fake-app: credentials stunIp=stun.example.com username=user turn=yes');

    await send(CLIENT_CONNECTED);
    expect(await reason()).toBe('SESSION_ACTIVE');
    expect((await endSession({ client, body: { sessionId: 's-1', gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'AWAITING_RESUME' });
    expect(await reason()).toBe('AWAITING_RESUME');
    await send(CLIENT_CONNECTED); // the client is back: the session is resumed
    expect(await reason()).toBe('SESSION_ACTIVE');
    await send(CLIENT_DISCONNECTED);
    await send(CLIENT_DISCONNECTED);
    expect(await reason()).toBe('READY_FOR_CONNECTION');

    const final = await endSession({ client, body: { sessionId: 's-1', gracefulShutdown: true } });
    expect(final.response.status).toBe(200);
    expect(final.data).toEqual({ sessionStatus: 'COMPLETE' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain('fake-app: session ended cause=GRACEFUL_SHUTDOWN sessionId=s-1');
    expect(cli.stdout).toContain('fake-app: SIGTERM received');
    expect(cli.stdout.indexOf('fake-app: SIGTERM received'), cli.stdout).toBeGreaterThan(cli.stdout.indexOf('"msg":"endsession"'));
    expect(cli.logs().find((l) => l.msg === 'application stopped')).toMatchObject({ code: 0, signal: null });
    expect(cli.stdout + cli.stderr).not.toMatch(/turnpass|"pass"|=pass\b/);
  });

  it.each([
    ['3', 3, { code: 3, signal: null }],
    ['0', 1, { code: 0, signal: null }],
    ['SIGKILL', 137, { code: null, signal: 'SIGKILL' }],
    ['SIGABRT', 134, { code: null, signal: 'SIGABRT' }],
  ])('reports "recycle instance" and exits non-zero when the app exits by itself (%s → %i)', async (how, exitCode, appExit) => {
    const { cli, client, go } = await supervised([`--exit=${how}`]);
    const stream = await EventStreamReader.open(client);
    go();
    const ended = await stream.next('readiness', (r) => r.reason === 'SESSION_ENDED');
    expect(ended).toEqual({ httpStatus: 503, statusMessage: 'Status: Streaming session ended (recycle instance)', reason: 'SESSION_ENDED' });
    expect(await cli.exited).toEqual({ code: exitCode, signal: null });
    expect(cli.logs().find((l) => l.msg === 'application exited by itself: recycle the instance')).toMatchObject({ ...appExit, exitCode });
    expect(stream.names()).not.toContain('omni.services.livestream.session.ended');
  });

  it('raises the Kit events from output rules for an app that only prints lines', async () => {
    const { cli, client, go } = await supervised(
      ['--no-api'],
      [`${EXT}/appReadyWhen=output:app ready$`, `${EXT}/newFrameWhen=output:^first frame$`],
    );
    expect((await checkReady({ client })).error).toMatchObject({ reason: 'APP_NOT_READY' });
    go();
    await cli.waitForOutput('[my.app] app ready\n');
    await cli.waitForOutput('\nfirst frame\n');
    await cli.waitForOutput('"to":"READY_FOR_CONNECTION"');
    expect(cli.logs().filter((l) => l.msg === 'readiness rule held').map((l) => l.setting).sort()).toEqual(['appReadyWhen', 'newFrameWhen']);
    const ready = await checkReady({ client });
    expect(ready.response.status).toBe(200);
    expect(ready.data).toMatchObject({ reason: 'READY_FOR_CONNECTION' });
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const)('passes %s on to the app as SIGTERM, then exits 0', async (signal) => {
    const { cli } = await supervised();
    await cli.waitForOutput('fake-app: readiness APP_NOT_READY');
    cli.kill(signal);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toContain('fake-app: SIGTERM received');
  });

  it('kills an app that ignores SIGTERM once appStopGraceSeconds have passed, then exits 0', async () => {
    const { cli } = await supervised(['--ignore-term'], [`${EXT}/appStopGraceSeconds=1`]);
    await cli.waitForOutput('fake-app: readiness APP_NOT_READY');
    cli.kill('SIGTERM');
    await cli.waitForOutput('fake-app: SIGTERM ignored');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.logs().find((l) => l.msg === 'application stopped')).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('stops start-up with exit code 2 on a bad readiness rule, naming the key and the value', async () => {
    const cli = new CliProcess([`${EXT}/appReadyWhen=output:(oops`, '--', process.execPath, FAKE_APP]);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain('exts/omni.services.livestream.session/appReadyWhen');
    expect(cli.stderr).toContain('"output:(oops"');
    expect(cli.stdout).not.toContain('fake-app');
  });

  it('stops start-up with exit code 2 on an output: rule that can only match across a line break', async () => {
    const cli = new CliProcess([`${EXT}/appReadyWhen=output:a\\nb`, '--', process.execPath, FAKE_APP]);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain('exts/omni.services.livestream.session/appReadyWhen');
    expect(cli.stderr).toContain('can never match');
    expect(cli.stdout).not.toContain('fake-app');
  });

  it('tries tcp: and http: rules without a command too, beside an app it does not run', async () => {
    const app = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    try {
      const appPort = (app.address() as { port: number }).port;
      const port = await freePort();
      const cli = new CliProcess([
        `${HTTP}/port=${port}`,
        `${EXT}/appReadyWhen=tcp:127.0.0.1:${appPort}`,
        `${EXT}/newFrameWhen=http://127.0.0.1:${appPort}/frame`,
      ]);
      await cli.waitForOutput('"to":"READY_FOR_CONNECTION"');
      expect((await checkReady({ client: specCheckedClient(`http://127.0.0.1:${port}`) })).response.status).toBe(200);
    } finally {
      app.closeAllConnections();
      app.close();
    }
  });

  it('stops start-up with exit code 2 on an output: rule without a command to watch', async () => {
    const cli = new CliProcess([`${EXT}/appReadyWhen=output:app ready`]);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain('appReadyWhen is an output: rule, which needs a command');
  });

  it('stops start-up with exit code 2 when -- has no command after it', async () => {
    const cli = new CliProcess(['--']);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain('expected a command after --');
  });

  it.each([
    ['is not found', (): string => '/nonexistent/streaming-app', 'command not found', 127],
    ['is not found on PATH', (): string => 'no-such-streaming-app', 'command not found', 127],
    ['is not executable', (): string => {
      const file = join(mkdtempSync(join(tmpdir(), 'livestream-noexec-')), 'app.sh');
      writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
      return file;
    }, 'not executable', 126],
  ] as const)('says so, naming the command, when it %s, and exits as a shell would', async (_, command, reason, code) => {
    const port = await freePort();
    const name = command();
    const cli = new CliProcess([`${HTTP}/port=${port}`, '--', name, '--flag']);
    expect(await cli.exited).toEqual({ code, signal: null });
    expect(cli.stderr).toContain(`livestream-session: cannot start ${name}: ${reason}`);
    expect(cli.logs().find((l) => l.msg === 'application could not be started')).toMatchObject({ command: name, reason, level: 50 });
  });
});
