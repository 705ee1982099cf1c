// The CLI run to its end under a watchdog: a regression that makes it hang or fill memory
// fails the test (killed, and told why) instead of taking the machine with it.
import { readFileSync } from 'node:fs';
import { CliProcess, type Exit } from './process.js';

export interface WatchedExit {
  exit: Exit;
  cli: CliProcess;
  /** Why the watchdog killed it, if it did. */
  killedFor?: string;
  /** Wall-clock milliseconds from start to exit. */
  ms: number;
}

export async function exitUnderWatchdog(args: string[], env: Record<string, string> = {}, { deadlineMs = 15_000, maxRssMiB = 400 } = {}): Promise<WatchedExit> {
  const started = performance.now();
  const cli = new CliProcess(args, env);
  let killedFor: string | undefined;
  const kill = (why: string) => {
    killedFor ??= why;
    cli.kill('SIGKILL');
  };
  const watch = setInterval(() => {
    if (performance.now() - started > deadlineMs) return kill(`still running after ${deadlineMs} ms`);
    try {
      const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${cli.child.pid}/status`, 'utf8'))?.[1] ?? 0);
      if (kib > maxRssMiB * 1024) kill(`over ${maxRssMiB} MiB resident`);
    } catch {
      // gone: its exit is on the way
    }
  }, 10);
  const exit = await cli.exited;
  clearInterval(watch);
  return { exit, cli, killedFor, ms: performance.now() - started };
}
