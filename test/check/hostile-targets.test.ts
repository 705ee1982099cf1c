// Targets that answer too much or never: the check reads a bounded part of each answer and
// keeps to its time-outs, whatever the target does. The check runs as the CLI, under a
// watchdog (test/support/watchdog.ts) that kills it if it hangs or fills memory.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ANSWER_BYTES } from '../../src/check/http.js';
import { killProcesses } from '../support/process.js';
import { exitUnderWatchdog } from '../support/watchdog.js';

const servers: Array<HttpServer | NetServer> = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  await killProcesses();
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listening<S extends HttpServer | NetServer>(server: S): Promise<string> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Answers every request with 200 and a JSON-looking body that never ends. */
function endlessBodies() {
  let sent = 0;
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const fill = () => {
      while (!res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return;
      }
    };
    res.on('drain', fill);
    res.write('{"statusMessage":"');
    fill();
  });
  return { server, sent: () => sent };
}

describe('the check against a target that never stops answering', () => {
  it('reads at most its bound of each answer and fails the step with why', async () => {
    const { server, sent } = endlessBodies();
    const url = await listening(server);
    const { exit, cli, killedFor } = await exitUnderWatchdog(['check', url, '--ready-timeout', '1', '--interval', '0.1'], {}, { deadlineMs: 15_000, maxRssMiB: 300 });
    expect(killedFor).toBeUndefined();
    expect(exit).toEqual({ code: 1, signal: null });
    expect(cli.stdout).toMatch(/^SKIP startup: .*; got not looked at: readiness never answered/m);
    expect(cli.stdout).toMatch(/^FAIL readiness: expected 200 within 1\.0 s of the start; got (still )?an answer \(200\) with a body over the 1 MiB the check reads/m);
    expect(sent()).toBeGreaterThan(MAX_ANSWER_BYTES);
  });
});

describe('the check against a target that accepts connections and never answers', () => {
  it('ends its wait for readiness within --ready-timeout and a small margin', async () => {
    const url = await listening(createNetServer(() => {}));
    const readyTimeoutS = 2;
    const { exit, cli, killedFor, ms } = await exitUnderWatchdog(['check', url, '--ready-timeout', String(readyTimeoutS), '--interval', '0.1'], {}, { deadlineMs: 15_000 });
    expect(killedFor).toBeUndefined();
    expect(exit).toEqual({ code: 1, signal: null });
    expect(cli.stdout).toMatch(/^SKIP startup: .*; got not looked at: readiness never answered/m);
    expect(cli.stdout).toMatch(/^FAIL readiness: expected 200 within 2\.0 s of the start; got (still )?no answer within [\d.]+ s/m);
    // Start-up of the CLI, the wait, one last look at readiness and one at status, each 1 s at most.
    expect(ms).toBeLessThan((readyTimeoutS + 2) * 1000 + 1500);
  });
});
