import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { createSessionService, type SessionService } from '../../src/service.js';
import { freePort } from '../support/process.js';
import { APP_READY, NEW_FRAME, silentLogger } from '../support/service.js';
import { until } from '../support/until.js';
import { SECRET } from './receiver.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const services: SessionService[] = [];
const children: Array<ReturnType<typeof spawn>> = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('examples/webhook-receiver.mjs, as the operating page runs it', () => {
  it('prints each event the service posts, once, and refuses a request whose signature does not verify', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['examples/webhook-receiver.mjs'], { cwd: ROOT, env: { ...process.env, WEBHOOK_SECRET: SECRET, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const wake = [
      { emitter: child.stdout!, event: 'data' },
      { emitter: child.stderr!, event: 'data' },
    ];
    const gone = [{ emitter: child, event: 'exit' }];
    await until(() => stderr.includes(`listening on port ${port}`), 'the receiver listens', { wakeOn: wake, failOn: gone });

    const service = createSessionService({
      settings: { webhookUrl: `http://127.0.0.1:${port}/`, webhookSecret: SECRET, webhookSource: 'urn:example:pod-1' },
      clock: new FakeClock(),
      logger: silentLogger,
    });
    services.push(service);
    service.bus.emit(APP_READY);
    service.bus.emit(NEW_FRAME);
    await until(() => stdout.trim().split('\n').length === 2, 'two events printed', { wakeOn: wake, failOn: gone });
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      { type: 'omni.services.livestream.session.readiness_changed', source: 'urn:example:pod-1', time: expect.any(String), data: { ready: false, reason: 'RTX_NOT_READY', statusMessage: 'Status: Rtx not ready', previousReason: 'APP_NOT_READY' } },
      { type: 'omni.services.livestream.session.readiness_changed', source: 'urn:example:pod-1', time: expect.any(String), data: { ready: true, reason: 'READY_FOR_CONNECTION', statusMessage: 'Status: Ready for connection', previousReason: 'RTX_NOT_READY' } },
    ]);

    const forged = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      body: '{"type":"omni.services.livestream.session.ended"}',
    });
    expect(forged.status).toBe(401);
    await until(() => stderr.includes('refused a request: No matching signature found'), 'the refusal is said', { wakeOn: wake, failOn: gone });
    expect(stdout.trim().split('\n')).toHaveLength(2);
  });
});
