import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Clock, TimerHandle } from '../core/clock.js';

export interface AppExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type OutputStream = 'stdout' | 'stderr';

export interface SupervisedAppOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Milliseconds between SIGTERM and SIGKILL when stopping. */
  graceMs: number;
  /** Each whole line the application writes, without its line ending. */
  onLine?: (stream: OutputStream, line: string) => void;
}

/** How long to wait for the app's output to drain once it has exited (its pipes may be held open). */
const DRAIN_MS = 1000;
/** How often to look whether the app's process group is empty, once the app itself has exited. */
const GROUP_POLL_MS = 100;

/**
 * The streaming application as a child process that leads its own process group, so that
 * stopping it reaches everything it started: SIGTERM to the group, then SIGKILL once the
 * grace period has passed on the injected clock.
 */
export class SupervisedApp {
  readonly child: ChildProcess;
  /** Resolves when the application has exited and its output has been read. */
  readonly exited: Promise<AppExit>;
  #exit: AppExit | undefined;
  #stopping: Promise<AppExit> | undefined;

  constructor(private readonly options: SupervisedAppOptions) {
    this.child = spawn(options.command, [...options.args], { env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const outputDone = (['stdout', 'stderr'] as const).map((stream) => {
      const lines = createInterface({ input: this.child[stream]!, crlfDelay: Infinity });
      lines.on('line', (line) => options.onLine?.(stream, line));
      return new Promise<void>((resolve) => lines.once('close', resolve));
    });
    this.exited = new Promise<AppExit>((resolve) => {
      // A command that cannot start has no exit: report it as a shell does (127). Other
      // errors (a signal that could not be sent) change nothing: the exit still comes.
      this.child.on('error', () => {
        if (this.child.pid === undefined) resolve({ code: 127, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        const exit = { code, signal };
        this.#exit = exit;
        void this.#within(DRAIN_MS, Promise.all(outputDone)).then(() => resolve(exit));
      });
    });
    void this.exited.then((exit) => (this.#exit = exit));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the application itself has exited (others in its group may linger). */
  get hasExited(): boolean {
    return this.#exit !== undefined;
  }

  /**
   * Stops the application and everything in its process group: SIGTERM, then SIGKILL
   * once the grace period has passed. Resolves with how the application exited.
   */
  stop(): Promise<AppExit> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Stops at once: SIGKILL to the group. */
  kill(): void {
    this.#signalGroup('SIGKILL');
  }

  async #stop(): Promise<AppExit> {
    if (!this.#signalGroup('SIGTERM')) return this.exited;
    const { clock, graceMs } = this.options;
    const timers: TimerHandle[] = [];
    const graceOver = new Promise<'grace over'>((resolve) => timers.push(clock.setTimeout(() => resolve('grace over'), graceMs)));
    if ((await Promise.race([this.exited, graceOver])) !== 'grace over') {
      // The application went; what it started may not have: they get the rest of the grace period.
      const groupGone = new Promise<void>((resolve) => {
        const look = () => (this.#signalGroup(0) ? timers.push(clock.setTimeout(look, GROUP_POLL_MS)) : resolve());
        look();
      });
      await Promise.race([graceOver, groupGone]);
    }
    for (const timer of timers) clock.clearTimeout(timer);
    this.#signalGroup('SIGKILL');
    return this.exited;
  }

  /** False when the group is gone. */
  #signalGroup(signal: NodeJS.Signals | 0): boolean {
    if (this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, signal);
      return true;
    } catch {
      return false; // ESRCH: nobody left in the group
    }
  }

  #within(ms: number, promise: Promise<unknown>): Promise<unknown> {
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimeout(() => resolve(undefined), ms);
      void promise.then(() => {
        this.options.clock.clearTimeout(timer);
        resolve(undefined);
      });
    });
  }
}

/** The exit code that tells the orchestrator to recycle: the app's code if it failed, 128+n for signal n, else 1. */
export function exitCodeForAppExit({ code, signal }: AppExit): number {
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  if (code !== null && code !== 0) return code;
  return 1;
}
