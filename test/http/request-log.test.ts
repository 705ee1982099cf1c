import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { createSessionService, type SessionService } from '../../src/service.js';
import { APP_READY } from '../support/service.js';

const services: SessionService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

/** A service whose log lines are kept, by level. */
async function logged() {
  const lines: Array<{ level: string; msg?: string; obj: object }> = [];
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, msg, obj: typeof obj === 'string' ? { text: obj } : obj });
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), isLevelEnabled: () => true };
  const service = createSessionService({ clock: new FakeClock(), logger, onExit: () => {} });
  services.push(service);
  const { url } = await service.listen({ host: '127.0.0.1', port: 0 });
  return { service, url, lines };
}

describe('request log lines', () => {
  it('log readiness polls answered 503 at debug, not as errors: "App not ready" is a state', async () => {
    const { url, lines } = await logged();
    for (const query of ['', '', '?through=express']) expect((await fetch(`${url}/v1/streaming/ready${query}`)).status).toBe(503);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.level, (l.obj as { status: number }).status])).toEqual([
      ['debug', 503],
      ['debug', 503],
      ['debug', 503],
    ]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('log the readiness change once, at info', async () => {
    const { service, url, lines } = await logged();
    service.bus.emit(APP_READY);
    for (let i = 0; i < 3; i++) await fetch(`${url}/v1/streaming/ready`);
    expect(lines.filter((l) => l.msg === 'readiness changed').map((l) => l.level)).toEqual(['info']);
  });

  it('log refusals at info', async () => {
    const { url, lines } = await logged();
    const answer = await fetch(`${url}/v1/streaming/creds`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(answer.status).toBe(415);
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.level)).toEqual(['info']);
  });
});
