import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/process.js';

/** Debian's coturn (scripts/ensure-system-tools.sh installs it). */
export const TURNSERVER = '/usr/bin/turnserver';

export interface Coturn {
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** What it has written so far, for a failing test to show. */
  output(): string;
  stop(): Promise<void>;
}

const RELAY_PORTS = 50;
const START_DEADLINE_MS = 20_000;

/**
 * coturn on loopback only, with one long-term user, its pid file and user database in a
 * temporary folder (else it writes under /var), allowing loopback peers (else it refuses
 * them), and relay ports from a free UDP port on.
 */
export async function startCoturn(): Promise<Coturn> {
  const folder = await mkdtemp(join(tmpdir(), 'coturn-'));
  const port = await freePort();
  const relayFrom = await freeUdpPortBelow(65535 - RELAY_PORTS);
  const username = 'relay-user';
  const password = 'relay-secret';
  let output = '';
  const child = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--lt-cred-mech',
      `--user=${username}:${password}`,
      '--realm=livestream-session.test',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--allow-loopback-peers',
      `--min-port=${relayFrom}`,
      `--max-port=${relayFrom + RELAY_PORTS - 1}`,
      `--pidfile=${join(folder, 'turnserver.pid')}`,
      `--userdb=${join(folder, 'turnserver.db')}`,
      '-v',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await untilListening(port, child);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; coturn wrote:\n${output}`);
  }
  return { port, username, password, output: () => output, stop };
}

/** Polls a TCP connection to coturn's port (it listens on TCP and UDP) until one succeeds. */
async function untilListening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`coturn exited (${child.exitCode ?? child.signalCode})`);
    if (await connects(port)) return;
    if (Date.now() > deadline) throw new Error(`coturn did not listen on 127.0.0.1:${port} within ${START_DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A UDP port nobody holds now, low enough for a range of relay ports after it. */
async function freeUdpPortBelow(limit: number): Promise<number> {
  for (;;) {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(resolve));
    if (port < limit) return port;
  }
}
