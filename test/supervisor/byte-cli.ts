// The CLI as a child process whose output is kept as bytes (or only counted: a test that
// pushes hundreds of megabytes through it must not hold them).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI, freePort, type Exit } from '../support/process.js';
import { specCheckedClient } from '../support/contract.js';

export const WRITER = fileURLToPath(new URL('../fixtures/writer.mjs', import.meta.url));
const HTTP = '--/exts/omni.services.transport.server.http';

type StreamName = 'stdout' | 'stderr';

/** The byte the writer fixture fills its bulk output with: it never appears in our log lines. */
export const FILLER = 0x7e; // '~'

/**
 * One output stream of the CLI: kept whole, or (for hundreds of megabytes) with only the
 * filler bytes and the single bytes between them counted, and every longer run kept.
 */
class Captured {
  bytes = 0;
  filler = 0;
  lone = 0;
  #kept: Buffer[] = [];
  constructor(readonly keep: boolean) {}

  add(chunk: Buffer) {
    this.bytes += chunk.length;
    if (this.keep) return void this.#kept.push(chunk);
    let start = -1;
    for (let i = 0; i <= chunk.length; i++) {
      const isFiller = i < chunk.length && chunk[i] === FILLER;
      if (!isFiller && i < chunk.length) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0) {
        // A run cut by the end of a chunk is kept, whatever its length: it may go on.
        if (i - start === 1 && i < chunk.length) this.lone += 1;
        else this.#kept.push(Buffer.from(chunk.subarray(start, i)));
        start = -1;
      }
      if (isFiller) this.filler += 1;
    }
  }

  /** What was kept: everything, or every run of other bytes longer than one. */
  buffer(): Buffer {
    return Buffer.concat(this.#kept);
  }
}

const running = new Set<ByteCli>();
export function killByteClis() {
  for (const cli of running) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  running.clear();
}

export class ByteCli {
  readonly child: ChildProcess;
  readonly out: Record<StreamName, Captured>;
  readonly exited: Promise<Exit>;
  #waiters: Array<() => void> = [];

  static async start(args: string[], keep: Partial<Record<StreamName, boolean>> = {}) {
    const port = await freePort();
    const cli = new ByteCli([`${HTTP}/port=${port}`, `${HTTP}/host=127.0.0.1`, ...args], keep);
    return { cli, port, client: specCheckedClient(`http://127.0.0.1:${port}`) };
  }

  constructor(args: string[], keep: Partial<Record<StreamName, boolean>>) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.out = { stdout: new Captured(keep.stdout ?? true), stderr: new Captured(keep.stderr ?? true) };
    for (const name of ['stdout', 'stderr'] as const) {
      this.child[name]!.on('data', (chunk: Buffer) => {
        this.out[name].add(chunk);
        this.#wake();
      });
    }
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => this.#wake());
    running.add(this);
  }

  #wake() {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Our own log lines on stdout, parsed. */
  logs(): Array<Record<string, unknown>> {
    return this.out.stdout
      .buffer()
      .toString('latin1')
      .split(/\r?\n|\r/)
      .filter((line) => line.startsWith('{"level":'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Waits until `holds()`; fails if the process exits first. */
  async until(what: string, holds: () => boolean): Promise<void> {
    for (;;) {
      if (holds()) return;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`exited before ${what}\nstdout tail: ${this.out.stdout.buffer().subarray(-2000).toString('latin1')}\nstderr tail: ${this.out.stderr.buffer().subarray(-2000).toString('latin1')}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  untilLog(msg: string) {
    return this.until(`logging "${msg}"`, () => this.logs().some((l) => l.msg === msg));
  }

  /** The application's pid, from the service's log. */
  async appPid(): Promise<number> {
    await this.untilLog('application started');
    return this.logs().find((l) => l.msg === 'application started')!.pid as number;
  }

  /** Peak resident memory so far, in MiB, from /proc. */
  peakRssMiB(): number {
    const kib = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))![1]);
    return kib / 1024;
  }
}

/** Whether a process is gone (or a zombie, which only waits to be reaped). */
export function isGone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

/** Polls until the process is gone; false if it is still there after `withinMs`. */
export async function goneWithin(pid: number, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline) {
    if (isGone(pid)) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return isGone(pid);
}

/**
 * Stdout without our log lines, each a whole line of its own. (After an application line
 * that did not end with \n, ours starts with a \n, which stays: the caller knows where.)
 */
export function withoutOwnLines(stdout: Buffer): Buffer {
  const text = stdout.toString('latin1');
  return Buffer.from(text.replace(/(?<=^|\n)\{"level":[^\n]*"name":"livestream-session"[^\n]*\n/g, ''), 'latin1');
}
