// The real SDK sidecar behind a proxy that passes label PUTs on at once (the sidecar carries
// them out) but holds their answers until the service gives up on them, as a sidecar does that
// answers slower than the service's call time-out. Ready and Shutdown must not wait for them.
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { endSession, getStatus, setCredentials } from '../../generated/sdk.gen.js';
import { HAVE_SDK_SERVER, Sidecar, killSidecars } from '../support/agones.js';
import { killProcesses, startCli } from '../support/process.js';
import { SEED_CREDENTIALS } from '../support/service.js';

const EXT = '--/exts/omni.services.livestream.session';
const HTTP = '--/exts/omni.services.transport.server.http';
const FAKE_APP = fileURLToPath(new URL('../fixtures/fake-app.mjs', import.meta.url));

const proxies: Server[] = [];
afterEach(async () => {
  await killProcesses();
  killSidecars();
  for (const proxy of proxies.splice(0)) proxy.closeAllConnections();
  await Promise.all(proxies.map((proxy) => new Promise((resolve) => proxy.close(resolve))));
});

/** What the proxy saw: each call as it arrived, with how many label answers were held then and how many had been given up on. */
interface Arrival {
  call: string;
  labelsHeld: number;
  labelsGivenUp: number;
}

class SlowLabelProxy {
  readonly arrivals: Arrival[] = [];
  labelsHeld = 0;
  labelsGivenUp = 0;
  #waiters: Array<() => void> = [];

  private constructor(
    readonly server: Server,
    readonly sidecarPort: number,
  ) {}

  static async start(sidecar: Sidecar): Promise<SlowLabelProxy> {
    const server = createServer();
    const proxy = new SlowLabelProxy(server, sidecar.httpPort);
    server.on('request', (req, res) => proxy.#handle(req, res));
    proxies.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get env(): Record<string, string> {
    return { AGONES_SDK_HTTP_PORT: String((this.server.address() as { port: number }).port) };
  }

  /** The calls that arrived (health pings left out), in order. */
  calls(): string[] {
    return this.arrivals.map((a) => a.call).filter((c) => c !== 'POST /health');
  }

  arrival(call: string): Arrival | undefined {
    return this.arrivals.find((a) => a.call === call);
  }

  /** Waits until `holds()`, woken by each call and each label given up on. */
  async until(holds: () => boolean): Promise<void> {
    while (!holds()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #wake() {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isLabel = req.method === 'PUT' && req.url === '/metadata/label';
      const label = isLabel ? (JSON.parse(String(body)) as { key: string; value: string }) : undefined;
      const call = label ? `label ${label.key}=${label.value}` : `${req.method} ${req.url}`;
      this.arrivals.push({ call, labelsHeld: this.labelsHeld, labelsGivenUp: this.labelsGivenUp });
      const upstream = httpRequest({ host: '127.0.0.1', port: this.sidecarPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        if (isLabel) {
          // Carried out by the sidecar; the answer is held until the service gives up.
          answer.resume();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
      if (isLabel) {
        this.labelsHeld += 1;
        res.on('close', () => {
          this.labelsHeld -= 1;
          this.labelsGivenUp += 1;
          this.#wake();
        });
      }
      this.#wake();
    });
  }
}

describe.skipIf(!HAVE_SDK_SERVER)('the service on an Agones GameServer whose sidecar answers labels too late', () => {
  it('marks it Ready and shuts it down without waiting for a label, and sends no label value twice', { timeout: 60_000 }, async () => {
    const sidecar = await Sidecar.start();
    const watch = await sidecar.watch();
    const proxy = await SlowLabelProxy.start(sidecar);
    const goFile = join(mkdtempSync(join(tmpdir(), 'livestream-go-')), 'go');
    const { cli, client } = await startCli([`${HTTP}/host=127.0.0.1`, '--', process.execPath, FAKE_APP, `--go-file=${goFile}`], proxy.env);

    // The first label is held: the app reports ready, and Ready goes out before that label is given up on.
    await proxy.until(() => proxy.labelsHeld > 0);
    writeFileSync(goFile, '');
    await proxy.until(() => proxy.arrival('POST /ready') !== undefined || proxy.labelsGivenUp > 0);
    expect(proxy.arrival('POST /ready')).toMatchObject({ labelsGivenUp: 0 });
    await watch.until((gs) => gs.state === 'Ready', 'Ready');

    // Once every label has gone out (each held, then given up on), the session ends:
    // Shutdown goes out while the labels that follow are held, before any is given up on.
    await proxy.until(() => proxy.labelsHeld === 0 && proxy.calls().includes('label readiness=READY_FOR_CONNECTION'));
    const { data: status } = await getStatus({ client });
    expect(status?.agones?.pendingCalls).toEqual([]);
    const givenUpBefore = proxy.labelsGivenUp;
    await setCredentials({ client, body: SEED_CREDENTIALS });
    await endSession({ client, body: { sessionId: 'viewer-slow', gracefulShutdown: true } });
    await proxy.until(() => proxy.arrival('POST /shutdown') !== undefined || proxy.labelsGivenUp > givenUpBefore);
    expect(proxy.arrival('POST /shutdown')).toMatchObject({ labelsGivenUp: givenUpBefore });
    await watch.until((gs) => gs.state === 'Shutdown', 'Shutdown');
    expect(await cli.exited).toEqual({ code: 0, signal: null });

    // The sidecar carried the labels out; none was sent again.
    const labels = proxy.calls().filter((c) => c.startsWith('label '));
    expect(labels.length).toBeGreaterThan(0);
    expect(new Set(labels).size).toBe(labels.length);
    expect(cli.logs().filter((l) => l.msg === 'Agones SDK call failed; not sent again').length).toBeGreaterThan(0);
  });
});
