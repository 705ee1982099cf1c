import type { Clock } from '../core/clock.js';
import { OutputMux } from './output.js';

/** How long leaving waits for a slow reader to take what is still to be written. */
const EXIT_DRAIN_MS = 2000;

/**
 * The CLI's stdout and stderr while it supervises: the application's output and ours, each
 * line whole. Leaving goes through `exit`, which writes what is left first (writes to a
 * pipe are asynchronous: `process.exit` alone would drop them).
 */
export class ProcessOutput {
  readonly stdout: OutputMux;
  readonly stderr: OutputMux;
  /** Told when lines of ours had to be dropped (the reader took nothing for a long while). */
  onDropped: (stream: 'stdout' | 'stderr', count: number) => void = () => {};

  constructor(private readonly clock: Clock) {
    this.stdout = new OutputMux(process.stdout, clock, (count) => this.onDropped('stdout', count));
    this.stderr = new OutputMux(process.stderr, clock, (count) => this.onDropped('stderr', count));
  }

  /** A line for the person at the terminal, on stderr. */
  say(message: string): void {
    this.stderr.own(`livestream-session: ${message}\n`);
  }

  async exit(code: number): Promise<never> {
    await Promise.all([this.stdout.drain(EXIT_DRAIN_MS), this.stderr.drain(EXIT_DRAIN_MS)]);
    process.exit(code);
  }
}
