import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Clock, TimerHandle } from '../core/clock.js';
import { deathSignalLauncher, findCommand } from './command.js';
import { LineReader } from './lines.js';
import type { OutputMux } from './output.js';

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
  /** Where the application's stdout and stderr go; without it, they are read and dropped. */
  output?: Partial<Record<OutputStream, OutputMux>>;
  /** Called the moment the application exits (its output may still be arriving). */
  onExit?: (exit: AppExit) => void;
}

/** How long to wait for the app's output to drain once it has exited (its pipes may be held open). */
const DRAIN_MS = 1000;
/** How often to look whether the app's process group is empty, once the app itself has exited. */
const GROUP_POLL_MS = 100;

/**
 * The streaming application as a child process that leads its own process group, so that
 * stopping it reaches everything it started: SIGTERM to the group, then SIGKILL once the
 * grace period has passed on the injected clock. It is started through
 * `setpriv --pdeathsig SIGKILL` where available, so that it dies with the service.
 */
export class SupervisedApp {
  readonly child: ChildProcess | undefined;
  /** Why the command could not be started, if it could not. */
  readonly startError: string | undefined;
  /** Resolves when the application has exited and its output has been read. */
  readonly exited: Promise<AppExit>;
  #exit: AppExit | undefined;
  #stopping: Promise<AppExit> | undefined;
  #groupGone = false;
  readonly #lineListeners = new Set<(line: string) => void>();
  readonly #readers: Array<{ stream: NodeJS.ReadableStream; reader: LineReader; feed: (chunk: Buffer) => void }> = [];

  constructor(private readonly options: SupervisedAppOptions) {
    const found = findCommand(options.command, options.env);
    if (!('path' in found)) {
      this.startError = found.reason;
      this.#groupGone = true;
      // Told on a later turn, like a real exit: the caller has its handlers in place by then.
      this.exited = Promise.resolve().then(() => this.#exited({ code: found.exitCode, signal: null }));
      return;
    }
    const [launcher = options.command, ...launcherArgs] = [...deathSignalLauncher(options.env), options.command];
    const child = spawn(launcher, [...launcherArgs, ...options.args], { env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const outputDone = (['stdout', 'stderr'] as const).map((name) => {
      const stream = child[name]!;
      const mux = options.output?.[name];
      if (mux) return mux.attach(stream);
      stream.resume();
      return new Promise<void>((resolve) => stream.once('close', resolve));
    });
    this.exited = new Promise<AppExit>((resolve) => {
      // A command that cannot start has no exit: report it as a shell does (127). Other
      // errors (a signal that could not be sent) change nothing: the exit still comes.
      child.on('error', (error) => {
        if (child.pid !== undefined) return;
        (this as { startError?: string }).startError = error.message;
        this.#groupGone = true;
        resolve(this.#exited({ code: 127, signal: null }));
      });
      child.once('exit', (code, signal) => {
        if (child.pid === undefined) return;
        const exit = this.#exited({ code, signal });
        void this.#within(DRAIN_MS, Promise.all(outputDone)).then(() => {
          for (const { reader } of this.#readers) reader.end();
          resolve(exit);
        });
      });
    });
  }

  /**
   * Subscribes to the application's output lines (stdout and stderr); returns the
   * unsubscribe. Lines are only split and decoded while someone listens.
   */
  onLine(listener: (line: string) => void): () => void {
    this.#lineListeners.add(listener);
    if (this.#readers.length === 0 && this.child) {
      for (const stream of [this.child.stdout!, this.child.stderr!]) {
        const reader = new LineReader((line) => {
          for (const each of [...this.#lineListeners]) each(line);
        });
        const feed = (chunk: Buffer) => reader.feed(chunk);
        stream.on('data', feed);
        this.#readers.push({ stream, reader, feed });
      }
    }
    return () => {
      this.#lineListeners.delete(listener);
      if (this.#lineListeners.size > 0) return;
      for (const { stream, feed } of this.#readers.splice(0)) stream.off('data', feed);
    };
  }

  #exited(exit: AppExit): AppExit {
    if (this.#exit) return this.#exit;
    this.#exit = exit;
    this.options.onExit?.(exit);
    return exit;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Whether the application has died, even if the service has not heard it yet (a zombie
   * waiting to be reaped; Linux only: elsewhere, only once its exit has been heard).
   */
  get isDead(): boolean {
    if (this.#exit !== undefined) return true;
    try {
      return readFileSync(`/proc/${this.child?.pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
    } catch {
      return false;
    }
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

  /** False when the group is gone (once gone, its number is never signalled again: it may be reused). */
  #signalGroup(signal: NodeJS.Signals | 0): boolean {
    const pid = this.child?.pid;
    if (pid === undefined || this.#groupGone) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      this.#groupGone = true; // ESRCH: nobody left in the group
      return false;
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
