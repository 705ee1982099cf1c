import { afterEach, describe, expect, it } from 'vitest';
import { createSessionService, type SessionService } from '../../src/service.js';

const services: SessionService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

describe('port 0 in the settings', () => {
  it('listens on a free port, and listen() and the "listening" line give the real one', async () => {
    const lines: Array<{ fields: object; msg?: string }> = [];
    const logger = {
      info(fields: object, msg?: string) {
        lines.push({ fields, msg });
      },
      warn() {},
      error() {},
    };
    const service = createSessionService({ settings: { port: 0, host: '127.0.0.1' }, logger, onExit: () => {} });
    services.push(service);
    const { port, url } = await service.listen();
    expect(port).toBeGreaterThan(0);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(lines.find((l) => l.msg === 'listening')?.fields).toMatchObject({ port, url });
    expect((await fetch(`${url}/v1/streaming/startup`)).status).toBe(200);
    const status = (await (await fetch(`${url}/v1/streaming/status`)).json()) as { settings: { port: number } };
    expect(status.settings.port).toBe(port);
  });
});
