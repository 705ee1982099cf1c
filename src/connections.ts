import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from './core/clock.js';
import type { Logger } from './core/logger.js';

/**
 * File descriptors kept beyond those open when the server starts listening, for what the
 * service opens later: the application's pipes, the files of the docs page.
 */
export const RESERVED_DESCRIPTORS = 32;

/** A burst of refused connections ends when none has been refused for this long. */
export const BURST_QUIET_MS = 10_000;

/**
 * Keeps the server's connections within the process's file descriptors, and says so when
 * they run out. When no descriptor is left, the operating system refuses to accept, and
 * libuv then accepts and closes the waiting connections where nobody sees it: callers get
 * "socket hang up" and nothing is logged. Instead the server takes at most as many
 * connections as the descriptors left at start-up (less a reserve), and closes those past
 * them itself (Node's `maxConnections`); the first refusal of a burst is logged, and the end
 * of the burst with how many were refused. An accept that fails all the same is logged
 * likewise, not thrown. Call once the server listens; `stop` when it closes.
 */
export function guardDescriptors(server: Server, logger: Logger, clock: Clock): { stop(): void } {
  const limit = openFilesLimit();
  const open = openDescriptors();
  if (limit !== undefined && open !== undefined) server.maxConnections = Math.max(1, limit - open - RESERVED_DESCRIPTORS);
  let refused = 0;
  let quiet: TimerHandle | undefined;
  const refusedOne = (details: object) => {
    if (refused++ === 0) logger.error({ ...details, maxConnections: server.maxConnections, openFilesLimit: limit ?? null }, 'out of file descriptors: new connections are closed at once until some close');
    if (quiet !== undefined) clock.clearTimeout(quiet);
    quiet = clock.setTimeout(() => {
      logger.warn({ refused }, 'connections are accepted again');
      refused = 0;
      quiet = undefined;
    }, BURST_QUIET_MS);
  };
  server.on('drop', () => refusedOne({}));
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EMFILE' || err.code === 'ENFILE') refusedOne({ code: err.code, syscall: err.syscall });
    else logger.error({ err }, 'accepting a connection failed');
  });
  return {
    stop() {
      if (quiet !== undefined) clock.clearTimeout(quiet);
      quiet = undefined;
    },
  };
}

/**
 * Closes a connection that has sent no byte `ms` after it opened. Node's headersTimeout
 * counts from a connection's first byte: one that never sends any would hold its descriptor
 * for good. One that has sent part of a request is left to Node, which answers it 408; one
 * whose request came is left alone (keep-alive and event streams have their own rules).
 */
export function closeSilentConnections(server: Server, ms: number): void {
  const timers = new Map<Socket, NodeJS.Timeout>();
  const heard = (socket: Socket) => {
    clearTimeout(timers.get(socket));
    timers.delete(socket);
  };
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      timers.delete(socket);
      if (socket.bytesRead === 0) socket.destroy();
    }, ms);
    timers.set(socket, timer.unref());
    socket.once('close', () => heard(socket));
  });
  server.on('request', (req: IncomingMessage) => heard(req.socket));
}

/** The soft limit on open files (Linux), or undefined when it is unknown or unlimited. */
function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined;
  } catch {
    return undefined;
  }
}

function openDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/**
 * Counts answers not yet sent, so that quitting can wait until the caller of endsession
 * has its answer. Streams leave the count once they start: they never finish by themselves.
 */
export class PendingResponses {
  readonly #pending = new Set<ServerResponse>();
  #waiters: Array<() => void> = [];

  /** Counts an answer until its connection has sent it (or closed). */
  track(res: ServerResponse): void {
    this.#pending.add(res);
    res.on('close', () => this.release(res));
  }

  release(res: ServerResponse): void {
    if (!this.#pending.delete(res) || this.#pending.size > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  get idle(): boolean {
    return this.#pending.size === 0;
  }

  whenIdle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
