import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type Exit } from './process.js';
import { until } from './until.js';

/** The real Agones SDK sidecar, beside the checkout (see ../shared/agones/README.md). */
export const SDK_SERVER = fileURLToPath(new URL('../../../shared/agones/sdk-server', import.meta.url));
export const HAVE_SDK_SERVER = existsSync(SDK_SERVER);

export interface GameServerSeen {
  state: string;
  labels: Record<string, string>;
  /** Counts by Counter, and values by List (Counters and Lists, when declared). */
  counters: Record<string, number>;
  lists: Record<string, string[]>;
}

/** Counters and Lists the GameServer declares in its status, for the sidecar started with the CountsAndLists feature gate. */
export interface Occupancy {
  counters?: Record<string, { count: number; capacity: number }>;
  lists?: Record<string, { capacity: number; values: string[] }>;
}

export interface SidecarOptions {
  /** Local mode with a GameServer in this state (default); or conformance mode expecting these calls. */
  test?: string;
  /** Seconds the sidecar waits before it listens (its own --delay). */
  delaySeconds?: number;
  /** Local mode: the Counters and Lists the GameServer declares (the feature gate is turned on). */
  occupancy?: Occupancy;
}

/** One sidecar on free loopback ports, its output collected; state is per process. */
export class Sidecar {
  output = '';
  readonly exited: Promise<Exit>;
  readonly child: ChildProcess;

  private constructor(
    readonly httpPort: number,
    args: string[],
  ) {
    this.child = spawn(SDK_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk) => (this.output += String(chunk)));
    this.child.stderr!.on('data', (chunk) => (this.output += String(chunk)));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    running.add(this);
  }

  static async start({ test, delaySeconds, occupancy }: SidecarOptions = {}): Promise<Sidecar> {
    const [grpc, http, health] = [await freePort(), await freePort(), await freePort()];
    const args = ['--address', '127.0.0.1', '--grpc-port', String(grpc), '--http-port', String(http), '--health-port', String(health)];
    if (test !== undefined) args.push('--test', test);
    else args.push('--local', '-f', scheduledGameServer(occupancy));
    if (occupancy !== undefined) args.push('--feature-gates', 'CountsAndLists=true');
    if (delaySeconds !== undefined) args.push('--delay', String(delaySeconds));
    return new Sidecar(http, args);
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** The environment Agones gives the game server container. */
  get env(): Record<string, string> {
    return { AGONES_SDK_HTTP_PORT: String(this.httpPort) };
  }

  healthPings(): number {
    return this.output.split('Health Ping Received!').length - 1;
  }

  /** POSTs to the gateway as an allocator or a test would. */
  async post(path: string, body: object = {}): Promise<void> {
    const answer = await fetch(`${this.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!answer.ok) throw new Error(`POST ${path}: ${answer.status}`);
  }

  /**
   * The GameServer as the sidecar holds it now (its watch shows no Counter or List change in local
   * mode). Local mode hands its GameServer to the gateway by reference and releases its lock before
   * the gateway encodes it (agones pkg/sdkserver/localsdk.go, GetGameServer): a read that meets a
   * List change being made fails with 500 "size mismatch" (about 1 read in 500 under constant
   * change). That failure is the sidecar's, not the service's: the read is made again, a few times at most.
   */
  async gameServer(): Promise<GameServerSeen> {
    for (let tries = 1; ; tries++) {
      const answer = await fetch(`${this.url}/gameserver`);
      if (answer.ok) return seenOf((await answer.json()) as WatchedGameServer);
      const body = await answer.text();
      if (!body.includes('size mismatch') || tries === 5) throw new Error(`GET /gameserver: ${answer.status} ${body}`);
    }
  }

  /**
   * Waits until the GameServer satisfies `holds`: read again after each piece of the sidecar's
   * output (it logs every call it takes, and each health ping), with a deadline.
   */
  async untilGameServer(holds: (gs: GameServerSeen) => boolean, what: string, timeoutMs = 20_000): Promise<GameServerSeen> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const before = this.output.length;
      const gs = await this.gameServer();
      if (holds(gs)) return gs;
      try {
        await this.untilOutput(() => this.output.length > before, 'more sidecar output', Math.max(1, deadline - Date.now()));
      } catch (error) {
        throw new Error(`never saw ${what} (${(error as Error).message}); last seen: ${JSON.stringify(gs)}`);
      }
    }
  }

  /** Waits until `holds()`, checked on each piece of the sidecar's output; fails if it exits first. */
  untilOutput(holds: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return until(holds, what, {
      wakeOn: [
        { emitter: this.child.stdout!, event: 'data' },
        { emitter: this.child.stderr!, event: 'data' },
      ],
      failOn: [{ emitter: this.child, event: 'exit' }],
      timeoutMs,
    });
  }

  /** Follows GET /watch/gameserver once the sidecar says its gateway starts: every GameServer it sends, in order. */
  async watch(): Promise<GameServerWatch> {
    const deadline = Date.now() + 20_000;
    await this.untilOutput(() => this.output.includes('Starting SDKServer grpc-gateway'), 'the sidecar starting its gateway');
    // It says so just before it listens: a connection refused in between is tried again at once.
    for (;;) {
      try {
        const answer = await fetch(`${this.url}/watch/gameserver`);
        return new GameServerWatch(answer);
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  async stop(): Promise<Exit> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

export class GameServerWatch {
  readonly seen: GameServerSeen[] = [];
  /** `seen` for each GameServer read from the stream, `closed` when the stream ends. */
  readonly #events = new EventEmitter();

  constructor(answer: Response) {
    void this.#read(answer);
  }

  get states(): string[] {
    return this.seen.map((gs) => gs.state);
  }

  get last(): GameServerSeen | undefined {
    return this.seen.at(-1);
  }

  /** Waits until a GameServer seen satisfies `holds`: checked on each one the stream brings, with a deadline. */
  async until(holds: (gs: GameServerSeen) => boolean, what: string, timeoutMs = 20_000): Promise<GameServerSeen> {
    try {
      await until(() => this.seen.some(holds), what, { wakeOn: [{ emitter: this.#events, event: 'seen' }], failOn: [{ emitter: this.#events, event: 'closed' }], timeoutMs });
    } catch (error) {
      throw new Error(`never saw ${what} (${(error as Error).message}); states seen: ${this.states.join(', ')}`);
    }
    return this.seen.find(holds)!;
  }

  async #read(answer: Response) {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      const reader = answer.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, end).trim();
          buffer = buffer.slice(end + 1);
          if (!line) continue;
          const { result } = JSON.parse(line) as { result: WatchedGameServer };
          this.seen.push(seenOf(result));
          this.#events.emit('seen');
        }
      }
    } catch {
      // The sidecar went: the watch ends with it.
    }
    this.#events.emit('closed');
  }
}

/** The GameServer as the gateway shows it: int64 fields as strings. */
interface WatchedGameServer {
  status: {
    state: string;
    counters?: Record<string, { count?: string }> | null;
    lists?: Record<string, { values?: string[] }> | null;
  };
  object_meta: { labels?: Record<string, string> };
}

function seenOf({ status, object_meta }: WatchedGameServer): GameServerSeen {
  return {
    state: status.state,
    labels: object_meta.labels ?? {},
    counters: Object.fromEntries(Object.entries(status.counters ?? {}).map(([name, c]) => [name, Number(c.count ?? 0)])),
    lists: Object.fromEntries(Object.entries(status.lists ?? {}).map(([name, l]) => [name, l.values ?? []])),
  };
}

function scheduledGameServer(occupancy: Occupancy = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'agones-gs-')), 'gameserver.yaml');
  // JSON is YAML: the status declares the Counters and Lists (the sidecar reads them from there).
  const gameServer = { apiVersion: 'agones.dev/v1', kind: 'GameServer', metadata: { name: 'local' }, spec: { health: { periodSeconds: 5 } }, status: { state: 'Scheduled', ...occupancy } };
  writeFileSync(file, JSON.stringify(gameServer));
  return file;
}

const running = new Set<Sidecar>();

/** For afterEach: no sidecar outlives its test. */
export function killSidecars(): void {
  for (const s of running) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  running.clear();
}
