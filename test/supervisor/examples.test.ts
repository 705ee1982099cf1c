import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, endSession, setCredentials } from '../../generated/sdk.gen.js';
import { sendEvents, specCheckedClient } from '../support/contract.js';
import { CliProcess, freePort, killProcesses } from '../support/process.js';
import { SEED_CREDENTIALS } from '../support/service.js';

afterEach(killProcesses);

const example = (path: string) => fileURLToPath(new URL(`../../examples/${path}`, import.meta.url));

describe.each([
  ['node-app', 'node-app', [process.execPath, example('node-app/app.mjs')]],
  ['shell-app', 'shell-app', ['bash', example('shell-app.sh')]],
])('the %s example under the supervisor', (_, prefix, command) => {
  it('becomes ready, receives the credentials without printing secrets, and ends with the session', async () => {
    const port = await freePort();
    const cli = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`, '--', ...command]);
    const client = specCheckedClient(`http://127.0.0.1:${port}`);
    await cli.waitForOutput(`${prefix}: reported omni.usd.StageRenderingEventType.NEW_FRAME`);
    const ready = await checkReady({ client });
    expect(ready.response.status).toBe(200);

    await setCredentials({ client, body: SEED_CREDENTIALS });
    await cli.waitForOutput(`${prefix}: credentials received: stun stun.example.com`);

    expect((await endSession({ client, body: { sessionId: 'e-1', gracefulShutdown: true } })).data).toEqual({ sessionStatus: 'COMPLETE' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toMatch(new RegExp(`${prefix}: (session ended|SIGTERM)`));
    expect(cli.stdout + cli.stderr).not.toMatch(/turnpass|"pass"/);
    // The application's arguments may hold secrets: the log says how many, not what.
    const started = cli.logs().find((l) => l.msg === 'application started');
    expect(started).toMatchObject({ command: command[0], argCount: command.length - 1 });
    expect(JSON.stringify(started)).not.toContain(command[1]!);
    // The app itself ended cleanly too, whether it heard the end first or SIGTERM did.
    const ended = cli.logs().find((l) => l.msg === 'application exited' || l.msg === 'application stopped');
    expect(ended, cli.stdout).toMatchObject({ code: 0, signal: null });
    expect(cli.stderr).not.toMatch(/unbound variable|line \d+:/);
  });
});

describe('the node-app example', () => {
  it('shows the idle countdown it is sent, and ends with the session when nobody gives input', async () => {
    const port = await freePort();
    const idle = ['--/exts/omni.services.livestream.session/idleTimeoutSeconds=2', '--/exts/omni.services.livestream.session/idleWarningSeconds=1'];
    const cli = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`, ...idle, '--', process.execPath, example('node-app/app.mjs')]);
    const client = specCheckedClient(`http://127.0.0.1:${port}`);
    await cli.waitForOutput('node-app: reported omni.usd.StageRenderingEventType.NEW_FRAME');
    await sendEvents(client, 'omni.kit.livestream.client_connected:immediate');
    await cli.waitForOutput('node-app: no input: the session ends in 1 s');
    await cli.waitForOutput('node-app: session ended (IDLE_TIMEOUT)');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });
});

describe('the shell-app example', () => {
  // Its shutdown once raced with the end of its event stream: run it several times.
  it.each([1, 2, 3, 4])('ends cleanly with the session, every time (run %i)', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const cli = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`, '--', 'bash', example('shell-app.sh')]);
    const client = specCheckedClient(`http://127.0.0.1:${port}`);
    await cli.waitForOutput('shell-app: reported omni.usd.StageRenderingEventType.NEW_FRAME');
    expect((await endSession({ client, body: { sessionId: 'again', gracefulShutdown: true } })).data).toEqual({ sessionStatus: 'COMPLETE' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const ended = cli.logs().filter((l) => l.msg === 'application exited' || l.msg === 'application stopped');
    expect(ended.every((l) => l.code === 0 && l.signal === null), cli.stdout + cli.stderr).toBe(true);
    expect(cli.stderr).not.toContain('unbound variable');
  });
});
