import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { endSession, sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import type { StreamingCredentials } from '../../generated/types.gen.js';
import { CLI, CliProcess, killProcesses, startCli } from '../support/process.js';
import { APP_READY, CLIENT_CONNECTED, NEW_FRAME } from '../support/service.js';
import { EventStreamReader } from '../support/sse.js';

afterEach(killProcesses);

// Distinct values, so that any trace of them in the output is found.
const TOKEN = 'tok-9f8e7d6c5b4a39281706';
const SECRETS = {
  stunUser: 'stun-user-5a1c9e',
  stunPass: 'stun-pass-83b0f2',
  turnUser: 'turn-user-c47d21',
  turnPass: 'turn-pass-e6a913',
};
const CREDENTIALS: StreamingCredentials = {
  stunIp: 'stun.example.com',
  stunPort: 3478,
  username: SECRETS.stunUser,
  password: SECRETS.stunPass,
  turnDetails: { username: SECRETS.turnUser, password: SECRETS.turnPass, uris: ['turn:1.2.3.4:3478'], transportPolicy: 'ALL' },
};

describe('logs', () => {
  it('are JSON lines with levels, record every state change and request, and never hold a secret', async () => {
    const { cli, url, client } = await startCli(
      ['--/exts/omni.services.livestream.session/quitOnSessionEnded=false'],
      { LOG_LEVEL: 'debug', LIVESTREAM_SESSION_ACCESS_TOKEN: TOKEN },
      TOKEN,
    );
    const bodies: string[] = [];
    const post = async (path: string, body: string, authorization = `Bearer ${TOKEN}`) => {
      const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
      bodies.push(await res.text());
      return res.status;
    };

    const stream = await EventStreamReader.open(client);
    await sendEvent({ client, body: { event: APP_READY } });
    await sendEvent({ client, body: { event: NEW_FRAME } });
    await sendEvent({ client, body: { event: CLIENT_CONNECTED, payload: { password: SECRETS.stunPass } } });
    expect((await setCredentials({ client, body: CREDENTIALS })).response.status).toBe(200);
    await stream.next('omni.services.livestream.session.stun_credentials');
    // Refused bodies that hold the secrets: bad URI, schema violation, malformed JSON, wrong token.
    expect(await post('/v1/streaming/creds', JSON.stringify({ ...CREDENTIALS, turnDetails: { ...CREDENTIALS.turnDetails, uris: [`turn:${SECRETS.turnPass}:99999`] } }))).toBe(400);
    expect(await post('/v1/streaming/creds', JSON.stringify({ ...CREDENTIALS, stunPort: SECRETS.stunPass }))).toBe(400);
    expect(await post('/v1/streaming/creds', JSON.stringify({ ...CREDENTIALS, turnDetails: { ...CREDENTIALS.turnDetails, uris: [`turn:1.2.3.4:${SECRETS.turnPass}`] } }))).toBe(400);
    expect(await post('/v1/streaming/creds', `{"username": "${SECRETS.stunUser}", "password": "${SECRETS.stunPass}" oops`)).toBe(400);
    expect(await post('/v1/streaming/creds', `${SECRETS.turnPass}`)).toBe(400);
    expect(await post('/v1/streaming/creds', JSON.stringify(CREDENTIALS), `Bearer ${TOKEN}x`)).toBe(401);
    expect(await post('/v1/streaming/creds', JSON.stringify(CREDENTIALS), `Basic ${Buffer.from(`${SECRETS.stunUser}:${SECRETS.stunPass}`).toString('base64')}`)).toBe(401);
    await endSession({ client, body: { sessionId: 'log-session', gracefulShutdown: true } });
    stream.close();
    cli.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });

    const output = cli.stdout + cli.stderr;
    for (const secret of [TOKEN, ...Object.values(SECRETS)]) {
      expect(output, `the output holds ${secret}`).not.toContain(secret);
      for (const body of bodies) expect(body, `an error body holds ${secret}`).not.toContain(secret);
    }
    expect(output).not.toContain(Buffer.from(`${SECRETS.stunUser}:${SECRETS.stunPass}`).toString('base64'));

    const logs = cli.logs();
    expect(cli.stdout.trim().split('\n').every((line) => line.startsWith('{'))).toBe(true);
    expect(logs.every((l) => typeof l.level === 'number' && typeof l.time === 'number' && typeof l.msg === 'string')).toBe(true);
    const changes = logs.filter((l) => l.msg === 'readiness changed').map((l) => l.to);
    // SIGTERM is a readiness change too: the instance is shutting down.
    expect(changes).toEqual(['RTX_NOT_READY', 'READY_FOR_CONNECTION', 'SESSION_ACTIVE', 'WAITING_FOR_PREVIOUS_CLIENT']);
    expect(logs.some((l) => l.msg === 'session ended' && l.sessionId === 'log-session')).toBe(true);
    expect(logs.some((l) => l.msg === 'credentials received' && l.turn === true)).toBe(true);
    const requests = logs.filter((l) => l.msg === 'request').map((l) => `${l.method} ${l.path} ${l.status}`);
    expect(requests).toEqual(
      expect.arrayContaining([
        'POST /v1/streaming/events 202',
        'POST /v1/streaming/creds 200',
        'POST /v1/streaming/creds 400',
        'POST /v1/streaming/creds 401',
        'POST /v1/streaming/endsession 200',
      ]),
    );
    expect(requests.filter((r) => r === 'POST /v1/streaming/creds 400')).toHaveLength(5);
  });
});

describe('LOG_LEVEL', () => {
  it('that pino does not know stops start-up with exit code 2 and one line naming it and its values', async () => {
    const cli = new CliProcess([], { LOG_LEVEL: 'bogus' });
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toBe('livestream-session: Invalid value for LOG_LEVEL: "bogus" (expected one of trace, debug, info, warn, error, fatal, silent)\n');
    expect(cli.stdout).toBe('');
  });

  it('and LOG_FORMAT are listed by --help', async () => {
    const cli = new CliProcess(['--help']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toMatch(/LOG_LEVEL=<level> +trace, debug, info, warn, error, fatal, silent/);
    expect(cli.stdout).toMatch(/LOG_FORMAT=<format> +json .*\n +or pretty/);
    expect(cli.stdout).toContain('--pretty');
    expect(cli.stdout).toContain('LIVESTREAM_SESSION_ACCESS_TOKEN_FILE');
  });
});

const PORT_0 = '--/exts/omni.services.transport.server.http/port=0';

describe('readable logs', () => {
  const readable = (stdout: string) => stripVTControlCharacters(stdout).split(/\r?\n/).filter((line) => line !== '');

  it.each([
    ['--pretty', [PORT_0, '--pretty'], {}],
    ['LOG_FORMAT=pretty', [PORT_0], { LOG_FORMAT: 'pretty' }],
  ])('are written with %s, never a secret', async (_how, args, env) => {
    const cli = new CliProcess(args, { ...env, LOG_LEVEL: 'debug', LIVESTREAM_SESSION_ACCESS_TOKEN: TOKEN });
    await cli.waitForOutput('INFO: listening');
    const port = Number(/"port":(\d+)/.exec(stripVTControlCharacters(cli.stdout))?.[1]);
    const answer = await fetch(`http://127.0.0.1:${port}/v1/streaming/creds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(CREDENTIALS),
    });
    expect(answer.status).toBe(200);
    await cli.waitForOutput('credentials received');
    cli.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const lines = readable(cli.stdout);
    expect(lines.every((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /.test(line)), lines.join('\n')).toBe(true);
    for (const secret of [TOKEN, ...Object.values(SECRETS)]) expect(cli.stdout + cli.stderr).not.toContain(secret);
  });

  it('are the default when stdout is a terminal', async () => {
    // script(1) gives the command a pseudo-terminal and copies what it writes to our pipe.
    const command = `'${process.execPath}' '${CLI}' ${PORT_0} -- false`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_FORMAT: '' } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1); // the application failed: so does the service
    const lines = readable(out);
    expect(lines.some((line) => /^\[[\d:.]+\] INFO: listening \{"url":/.test(line)), lines.join('\n')).toBe(true);
    expect(lines.some((line) => line.startsWith('{'))).toBe(false);
  });
});

describe('started without an application', () => {
  it('says once what it waits for and how to provide it, on the free port it picked', async () => {
    const cli = new CliProcess([PORT_0]);
    const { port } = (await cli.waitForLog('listening')) as { port: number };
    expect(port).toBeGreaterThan(0);
    await cli.waitForOutput('Waiting for the streaming application');
    const hint = cli.logs().find((l) => String(l.msg).startsWith('Waiting for the streaming application'))!;
    expect(hint.level).toBe(30);
    expect(hint.msg).toBe(
      `Waiting for the streaming application to send omni.kit.app.GLOBAL_EVENT_APP_READY, omni.usd.StageRenderingEventType.NEW_FRAME to POST http://127.0.0.1:${port}/v1/streaming/events; ` +
        'or start with --simulate, set appReadyWhen/newFrameWhen (see --help), or run the application under this service: livestream-session -- <command>',
    );
    expect((await fetch(`http://127.0.0.1:${port}/v1/streaming/ready`)).status).toBe(503);
  });

  it('says nothing of the kind with --simulate', async () => {
    const cli = new CliProcess([PORT_0, '--simulate']);
    await cli.waitForLog('readiness changed');
    cli.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout).not.toContain('Waiting for the streaming application');
  });
});
