import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { PROBE_INTERVAL_MS, watchRule } from '../../src/supervisor/probes.js';
import { parseReadyRule, type ReadyRule } from '../../src/settings/ready-rules.js';
import { freePort } from '../support/process.js';

const rule = (text: string) => parseReadyRule(text) as ReadyRule;
const servers: Array<Server | HttpServer> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function lineSource() {
  const listeners = new Set<(line: string) => void>();
  return {
    onLine: (listener: (line: string) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    print: (line: string) => {
      for (const l of [...listeners]) l(line);
    },
    get listening() {
      return listeners.size;
    },
  };
}

const noLines = () => () => {};

describe('an output: rule', () => {
  it('holds on the first line that matches, once, and stops listening', () => {
    const lines = lineSource();
    const matched = vi.fn();
    watchRule(rule('output:app ready$'), matched, { clock: new FakeClock(), onLine: lines.onLine });
    lines.print('[my.app] starting');
    lines.print('[my.app] app ready, almost');
    expect(matched).not.toHaveBeenCalled();
    lines.print('[my.app] app ready');
    lines.print('[my.app] app ready');
    expect(matched).toHaveBeenCalledTimes(1);
    expect(lines.listening).toBe(0);
  });
});

describe('a tcp: or http: rule', () => {
  it(`is tried at once, then every ${PROBE_INTERVAL_MS} ms of the clock until it holds, then no more`, async () => {
    const clock = new FakeClock();
    const answers = [false, false, true];
    const attempt = vi.fn(async () => answers.shift() ?? true);
    const matched = vi.fn();
    watchRule(rule('tcp:9'), matched, { clock, onLine: noLines, attempt });
    expect(attempt).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    clock.advance(PROBE_INTERVAL_MS - 1);
    expect(attempt).toHaveBeenCalledTimes(1);
    clock.advance(1);
    expect(attempt).toHaveBeenCalledTimes(2);
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    clock.advance(PROBE_INTERVAL_MS);
    await vi.waitFor(() => expect(matched).toHaveBeenCalledTimes(1));
    expect(clock.pendingTimers).toBe(0);
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('stops being tried when watching stops', async () => {
    const clock = new FakeClock();
    const attempt = vi.fn(async () => false);
    const stop = watchRule(rule('http://127.0.0.1:9/'), vi.fn(), { clock, onLine: noLines, attempt });
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('tcp: holds once a connection to the port succeeds', async () => {
    const clock = new FakeClock();
    const port = await freePort();
    const matched = vi.fn();
    watchRule(rule(`tcp:127.0.0.1:${port}`), matched, { clock, onLine: noLines });
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1)); // refused
    const server = createServer((socket) => socket.destroy());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    expect(matched).not.toHaveBeenCalled();
    clock.advance(PROBE_INTERVAL_MS);
    await vi.waitFor(() => expect(matched).toHaveBeenCalledTimes(1));
  });

  it('http: holds once a GET answers 2xx or 3xx, not 5xx', async () => {
    const clock = new FakeClock();
    let status = 503;
    const server = createHttpServer((_req, res) => res.writeHead(status).end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const matched = vi.fn();
    watchRule(rule(`http://127.0.0.1:${port}/health`), matched, { clock, onLine: noLines });
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    status = 302;
    clock.advance(PROBE_INTERVAL_MS);
    await vi.waitFor(() => expect(matched).toHaveBeenCalledTimes(1));
  });
});
