import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { endSession, getStatus, sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import type { StreamingCredentials } from '../../generated/types.gen.js';
import { killProcesses, startCli } from '../support/process.js';
import { CLIENT_CONNECTED, CLIENT_DISCONNECTED } from '../support/service.js';
import { asDocumented, documentedSession } from '../webhooks/documented.js';
import { Receiver, SECRET } from '../webhooks/receiver.js';

// Distinct values, so that any trace of them is found.
const TOKEN = 'tok-webhooks-71c3e9a0d5';
const STUN_PASSWORD = 'stun-pass-4e8b1d';
const TURN_PASSWORD = 'turn-pass-9a07c2';
const CREDENTIALS: StreamingCredentials = {
  stunIp: 'stun.example.com',
  stunPort: 3478,
  username: 'stun-user-e1',
  password: STUN_PASSWORD,
  turnDetails: { username: 'turn-user-f2', password: TURN_PASSWORD, uris: ['turn:1.2.3.4:3478'], transportPolicy: 'ALL' },
};

const dir = mkdtempSync(join(tmpdir(), 'webhook-secret-'));
const secretFile = join(dir, 'webhook-secret');
writeFileSync(secretFile, `${SECRET}\n`);
const receivers: Receiver[] = [];
afterEach(async () => {
  await killProcesses();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webhooks through the CLI', () => {
  it('deliver a whole session as documented, session.ended before the process exits, and no secret in any body, header or log line', async () => {
    const receiver = new Receiver();
    receivers.push(receiver);
    const url = await receiver.listen();
    // The first try of session.ended fails: the CLI must try it again before it exits.
    let alive: boolean[] = [];
    receiver.answer = ({ event }) => {
      if (!event.type.endsWith('.ended')) return 204;
      alive.push(cli.child.exitCode === null && cli.child.signalCode === null);
      return alive.length === 1 ? 503 : 204;
    };
    const { cli, client } = await startCli(
      ['--simulate', `--/exts/omni.services.livestream.session/webhookUrl=${url}`],
      { LOG_LEVEL: 'debug', LIVESTREAM_SESSION_ACCESS_TOKEN: TOKEN, LIVESTREAM_SESSION_WEBHOOK_SECRET_FILE: secretFile },
      TOKEN,
    );
    await receiver.until(() => receiver.events.length === 2);
    expect((await setCredentials({ client, body: CREDENTIALS })).response.status).toBe(200);
    expect((await sendEvent({ client, body: { event: CLIENT_CONNECTED, payload: { clientId: 'viewer-7' } } })).response.status).toBe(202);
    expect((await sendEvent({ client, body: { event: CLIENT_DISCONNECTED, payload: { clientId: 'viewer-7' } } })).response.status).toBe(202);
    const status = await getStatus({ client });
    expect(status.data!.settings).toMatchObject({ webhookUrl: url, webhookSecretSet: true });
    expect((await endSession({ client, body: { sessionId: 'portal-7', gracefulShutdown: true } })).data).toEqual({ sessionStatus: 'COMPLETE' });

    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(receiver.events.map(asDocumented)).toEqual(documentedSession());
    expect(receiver.events.find((e) => e.type.endsWith('.ended'))!.data).toMatchObject({ sessionId: 'portal-7', cause: 'GRACEFUL_SHUTDOWN' });
    expect(alive).toEqual([true, true]);
    expect(receiver.refused).toEqual([]);

    const key = SECRET.slice('whsec_'.length);
    const everything = [
      ...receiver.requests.map(({ headers, body }) => `${JSON.stringify(headers)}\n${body}`),
      cli.stdout,
      cli.stderr,
      JSON.stringify(status.data),
    ].join('\n');
    for (const secret of [TURN_PASSWORD, STUN_PASSWORD, TOKEN, SECRET, key, Buffer.from(key, 'base64').toString('latin1')]) expect(everything).not.toContain(secret);
    // The search does find what is there.
    expect(everything).toContain('viewer-7');
    expect(cli.logs().some((line) => line.msg === 'webhook delivery failed; it is tried again with back-off' && line.error === 'HTTP 503')).toBe(true);
    alive = [];
  });

  it('on SIGTERM with drainOnStop under the supervisor, deliver session.ended with cause SHUTDOWN before the process exits', async () => {
    const receiver = new Receiver();
    receivers.push(receiver);
    const url = await receiver.listen();
    const alive: boolean[] = [];
    receiver.answer = ({ event }) => {
      if (!event.type.endsWith('.ended')) return 204;
      alive.push(cli.child.exitCode === null && cli.child.signalCode === null);
      return alive.length === 1 ? 503 : 204;
    };
    const { cli, client } = await startCli(
      [
        '--simulate',
        '--/exts/omni.services.livestream.session/drainOnStop=true',
        `--/exts/omni.services.livestream.session/webhookUrl=${url}`,
        '--',
        process.execPath,
        '-e',
        'setInterval(() => {}, 1000)',
      ],
      { LIVESTREAM_SESSION_WEBHOOK_SECRET_FILE: secretFile },
    );
    await sendEvent({ client, body: { event: CLIENT_CONNECTED, payload: { clientId: 'viewer-8' } } });
    await receiver.until(() => receiver.events.length === 5);
    cli.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(receiver.events.slice(5).map(asDocumented)).toEqual(['ended', 'readiness_changed SESSION_ACTIVE -> SHUTTING_DOWN']);
    expect(receiver.events[5]!.data).toEqual({ sessionId: null, cause: 'SHUTDOWN', deadlineSeconds: 10, durationSeconds: expect.any(Number) });
    expect(alive).toEqual([true, true]);
  });

  it('refuse to start with webhookUrl but no webhookSecret, and with a secret that is not one, without showing it', async () => {
    const noSecret = startCli(['--/exts/omni.services.livestream.session/webhookUrl=http://127.0.0.1:9/']);
    await expect(noSecret).rejects.toThrow(/webhookUrl needs webhookSecret/);
    const badSecret = startCli(['--/exts/omni.services.livestream.session/webhookUrl=http://127.0.0.1:9/'], { LIVESTREAM_SESSION_WEBHOOK_SECRET: 'whsec_short-secret-value' });
    await expect(badSecret).rejects.toThrow(/Invalid value for LIVESTREAM_SESSION_WEBHOOK_SECRET: \[redacted\] \(is not base64/);
    await expect(badSecret).rejects.not.toThrow(/short-secret-value/);
  });
});
