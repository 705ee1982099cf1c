import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Client } from '../../src/client.js';
import { specCheckedClient } from './contract.js';

/** The compiled CLI, as the package's bin runs it. */
export const CLI = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The CLI on a free port, once it listens, with a spec-checked client for it (sending
 * `token` as bearer token when given). `args` come after the port argument.
 */
export async function startCli(args: string[] = [], env: Record<string, string> = {}, token?: string): Promise<{ cli: CliProcess; port: number; url: string; client: Client }> {
  const port = await freePort();
  const cli = new CliProcess([`--/exts/omni.services.transport.server.http/port=${port}`, ...args], env);
  await cli.waitForLog('listening');
  const url = `http://127.0.0.1:${port}`;
  return { cli, port, url, client: specCheckedClient(url, token) };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The CLI as a child process, its output collected. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  readonly child: ChildProcess;
  #lineWaiters: Array<() => void> = [];

  /** `under`: a command that runs the CLI in its place (`prlimit --nofile=64`, say). */
  constructor(args: string[], env: Record<string, string> = {}, under: string[] = []) {
    const [command, ...rest] = [...under, process.execPath, CLI, ...args];
    this.child = spawn(command!, rest, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk) => this.#append('stdout', String(chunk)));
    this.child.stderr!.on('data', (chunk) => this.#append('stderr', String(chunk)));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => this.#wake());
    running.add(this);
  }

  #append(stream: 'stdout' | 'stderr', text: string) {
    this[stream] += text;
    this.#wake();
  }

  #wake() {
    for (const wake of this.#lineWaiters.splice(0)) wake();
  }

  /** Structured log lines written so far. */
  logs(): Array<Record<string, unknown>> {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Waits for a log line with this message; fails if the process exits first. */
  async waitForLog(msg: string): Promise<Record<string, unknown>> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const line = this.logs().find((l) => l.msg === msg);
      if (line) return line;
      if (exited) throw new Error(`exited before logging "${msg}"\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise<void>((resolve) => this.#lineWaiters.push(resolve));
    }
  }

  /** Waits until stdout or stderr holds `text`; fails if the process exits first. */
  async waitForOutput(text: string): Promise<void> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      if (this.stdout.includes(text) || this.stderr.includes(text)) return;
      if (exited) throw new Error(`exited before writing "${text}"\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise<void>((resolve) => this.#lineWaiters.push(resolve));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM') {
    this.child.kill(signal);
  }
}

const running = new Set<CliProcess>();

/** For afterEach: no child outlives its test. */
export async function killProcesses(): Promise<void> {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  running.clear();
}
