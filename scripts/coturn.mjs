// Debian's coturn as a TURN relay on loopback, for the WebRTC demo, its end-to-end test and
// its benchmark: long-term credentials, loopback peers allowed (every peer here is on
// 127.0.0.1), its files in a temporary folder, no TLS, no admin CLI.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.mjs';

const READY_DEADLINE_MS = 20_000;

/**
 * Starts `turnserver` and resolves once it answers a STUN Binding request. Resolves with its
 * `port`, the `username`, `password` and `realm` it accepts, its `output` so far,
 * `credentials()`, the body of POST /v1/streaming/creds that sends every peer through it, and
 * `stop()`, which ends it and removes its folder.
 */
export async function startCoturn() {
  const folder = mkdtempSync(join(tmpdir(), 'coturn-'));
  const port = await freePort();
  const username = 'viewer';
  const password = randomBytes(12).toString('hex');
  const realm = 'livestream.local';
  // Relay ports in a range of their own, so that runs side by side rarely meet.
  const minPort = 50_000 + 200 * Math.floor(Math.random() * 50);
  const turnserver = spawn('turnserver', [
    '-n', '--log-file=stdout', '--simple-log',
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${minPort}`, `--max-port=${minPort + 199}`,
    '--lt-cred-mech', `--user=${username}:${password}`, `--realm=${realm}`,
    '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers',
    `--pidfile=${join(folder, 'turnserver.pid')}`, `--userdb=${join(folder, 'turndb')}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const relay = { port, username, password, realm, output: '' };
  const collect = (chunk) => (relay.output += chunk);
  turnserver.stdout.setEncoding('utf8').on('data', collect);
  turnserver.stderr.setEncoding('utf8').on('data', collect);
  const exited = new Promise((resolve) => turnserver.on('close', resolve));
  turnserver.on('error', (error) => (relay.output += `could not start turnserver: ${error.message}\n`));

  relay.credentials = () => ({
    stunIp: '127.0.0.1',
    stunPort: port,
    username: 'session-user', // NVCF's own pair; WebRTC uses the TURN pair below
    password: 'session-pass',
    turnDetails: {
      username,
      password,
      uris: [`turn:127.0.0.1:${port}?transport=udp`],
      relayProtocol: 'UDP',
      transportPolicy: 'RELAY',
    },
  });
  relay.stop = async () => {
    if (turnserver.exitCode === null && turnserver.signalCode === null) turnserver.kill('SIGTERM');
    await exited;
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    await answersStun(port, exited);
  } catch (error) {
    await relay.stop();
    throw new Error(`${error.message}\n${relay.output}`);
  }
  return relay;
}

/** Sends STUN Binding requests (RFC 8489) until one is answered, coturn exits, or the deadline passes. */
async function answersStun(port, exited) {
  const socket = createSocket('udp4');
  const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
  try {
    await new Promise((resolve, reject) => {
      socket.on('message', resolve);
      void exited.then((code) => reject(new Error(`turnserver exited (${code}) before answering STUN`)));
      const deadline = setTimeout(() => reject(new Error(`turnserver did not answer STUN within ${READY_DEADLINE_MS} ms`)), READY_DEADLINE_MS);
      const retry = setInterval(() => socket.send(request, port, '127.0.0.1'), 100);
      socket.send(request, port, '127.0.0.1');
      socket.on('close', () => (clearInterval(retry), clearTimeout(deadline)));
    });
  } finally {
    socket.close();
  }
}
