import type { Clock } from '../core/clock.js';
import { SupervisedApp, type AppExit } from '../supervisor/child.js';

/** Lines of output kept; the rest, the oldest, is dropped. */
const KEPT_LINES = 2000;
/** SIGTERM to SIGKILL when the check stops a command that is still running. */
const STOP_GRACE_MS = 5000;

/** The target run as a command, in its own process group, its output kept. */
export class TargetCommand {
  readonly #app: SupervisedApp;
  readonly #lines: string[] = [];
  #exit: (AppExit & { at: number }) | undefined;
  #stopped = false;

  constructor(
    readonly file: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    private readonly clock: Clock,
  ) {
    this.#app = new SupervisedApp({
      command: file,
      args,
      env,
      clock,
      graceMs: STOP_GRACE_MS,
      onLine: (stream, line) => {
        this.#lines.push(stream === 'stderr' ? `[stderr] ${line}` : line);
        if (this.#lines.length > KEPT_LINES) this.#lines.shift();
      },
    });
    this.#app.child.once('exit', (code, signal) => (this.#exit = { code, signal, at: clock.now() }));
    void this.#app.exited.then((exit) => (this.#exit ??= { ...exit, at: clock.now() }));
    // A check that is cut short leaves nothing running behind it.
    process.once('exit', this.#killOnExit);
  }

  readonly #killOnExit = () => this.#app.kill();

  /** How it exited, and when on the check's clock; undefined while it runs. */
  get exit(): (AppExit & { at: number }) | undefined {
    return this.#exit;
  }

  get output(): string {
    return this.#lines.join('\n');
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Resolves with its exit, or undefined once `ms` have passed on the clock without one. */
  async waitForExit(ms: number, sleep: (ms: number) => Promise<void>): Promise<(AppExit & { at: number }) | undefined> {
    const deadline = this.clock.now() + ms;
    while (this.#exit === undefined && this.clock.now() < deadline) await sleep(Math.min(50, deadline - this.clock.now()));
    return this.#exit;
  }

  /** SIGTERM to its group, SIGKILL after a grace period; output read to its end. */
  async stop(): Promise<AppExit> {
    if (this.#exit === undefined) this.#stopped = true;
    const exit = await this.#app.stop();
    process.removeListener('exit', this.#killOnExit);
    return exit;
  }
}

export function describeExit(exit: AppExit): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
