// npm run test:image: the container images as NVCF and Kubernetes run them. With docker, or
// podman, whichever engine answers on this machine:
//   0. the base image (node:<NODE_MAJOR>-bookworm-slim, the major from the Dockerfile, or from
//      NODE_MAJOR in the environment to try another Node line): used
//      if present, else pulled, else (podman, no registry in reach) made locally by
//      ../shared/containers/make-base-image <major>;
//   1. builds the service's image (Dockerfile) and examples/webrtc-app's image FROM it;
//   2. the service image with --simulate passes `livestream-session check` run from this host
//      (dist/src/main.js) against the published port, and then exits 0 by itself;
//   3. locked down (--read-only --cap-drop ALL --security-opt no-new-privileges --user 1000:1000)
//      it still serves (startup, ready, creds, the HEALTHCHECK); stopped with a 30 s stop
//      timeout it exits 0 on SIGTERM well within it;
//   4. the example image, locked down the same way, streams real video: coturn on this host as
//      the only relay, headless Chromium on this host as the viewer; readiness follows the
//      viewer (ready, active, ready again once the page has gone), a graceful endsession ends
//      the container with exit code 0, and nothing is left running.
// Prints each step; stops at the first failure with what it saw, exit code 1.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.mjs';
import { startCoturn } from './coturn.mjs';
import { freePort } from './free-port.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (message) => process.stdout.write(`test-image: ${message}\n`);
const started = Date.now();
const STOP_TIMEOUT = 30; // seconds; above appStopGraceSeconds (10), as the docs' run lines say
const LOCKED_DOWN = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '1000:1000'];
const EXT = '--/exts/omni.services.livestream.session';
const SERVICE_IMAGE = 'localhost/livestream-session:test';
const APP_IMAGE = 'localhost/livestream-session-webrtc-app:test';
const containers = new Set();
let coturn;
let browser;
let engineCall; // (args) => [command, args] for spawnSync, once the engine is known

try {
  const engine = detectEngine();
  say(`engine: ${engine.name} (${engine.command} ${engine.global.join(' ')})`.trimEnd());
  await baseImage(engine);
  build(engine, `the service image (Node ${nodeMajor()})`, SERVICE_IMAGE, ['--build-arg', `NODE_MAJOR=${nodeMajor()}`, '.']);
  build(engine, 'the example image', APP_IMAGE, ['--build-arg', `SERVICE_IMAGE=${SERVICE_IMAGE}`, '-f', 'examples/webrtc-app/Dockerfile', '.']);
  for (const image of [SERVICE_IMAGE, APP_IMAGE]) {
    const bytes = Number(engine.output(['image', 'inspect', '--format', '{{.Size}}', image]).trim());
    say(`${image}: ${(bytes / 1e6).toFixed(0)} MB`);
  }
  await nvcfCheck(engine);
  await lockedDown(engine);
  await realSession(engine);
  say(`passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  process.stderr.write(`test-image: FAILED: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => undefined);
  await coturn?.stop().catch(() => undefined);
  for (const name of containers) spawnSync(...engineCall(['rm', '-f', name]), { stdio: 'ignore' });
}

// ---- the engine ----

/** docker if its engine answers (a client alone is not enough), else podman; fails if neither does. */
function detectEngine() {
  const answers = (command, args) => spawnSync(command, args, { stdio: 'ignore', timeout: 60_000 }).status === 0;
  const candidates = [
    { name: 'docker', command: 'docker', global: [], run: [] },
    // Where runc is installed, podman runs through it: crun refuses mixed cgroup v1/v2 hosts. Its
    // containers ask for more open files than such a host allows unless told the host's limit.
    { name: 'podman', command: 'podman', global: hasCommand('runc') ? ['--runtime', 'runc'] : [], run: podmanLimits() },
  ];
  const seen = [];
  for (const candidate of candidates) {
    if (answers(candidate.command, [...candidate.global, 'info'])) {
      engineCall = (args) => [candidate.command, [...candidate.global, ...args]];
      return {
        ...candidate,
        output(args) {
          const result = spawnSync(...engineCall(args), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
          if (result.status !== 0) throw new Error(`${candidate.command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
          return result.stdout;
        },
        succeeds: (args) => spawnSync(...engineCall(args), { stdio: 'ignore' }).status === 0,
      };
    }
    seen.push(`${candidate.command}: ${hasCommand(candidate.command) ? '`info` fails (no engine answers)' : 'not installed'}`);
  }
  throw new Error(`no container engine works here (${seen.join('; ')}); install podman (scripts/ensure-system-tools.sh does) or start docker`);
}

function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function podmanLimits() {
  const hard = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  return ['--ulimit', `nofile=${hard}:${hard}`, '--ulimit', 'nproc=32768:32768'];
}

/** The Dockerfile's base image: there already, pulled, or (podman only) made from Debian's archive. */
async function baseImage(engine) {
  const major = nodeMajor();
  const base = `node:${major}-bookworm-slim`;
  const present = () => engine.succeeds(['image', 'inspect', base]);
  if (present()) return say(`base image ${base}: present`);
  say(`base image ${base}: pulling`);
  const pulled = spawnSync(...engineCall(['pull', base]), { encoding: 'utf8' });
  if (pulled.status === 0) return say(`base image ${base}: pulled`);
  const maker = join(root, '..', 'shared', 'containers', 'make-base-image');
  if (engine.name !== 'podman' || !existsSync(maker)) {
    throw new Error(`cannot pull ${base} (${pulled.stderr.trim()}) and cannot make it here (${engine.name === 'podman' ? `${maker} is missing` : 'make-base-image needs podman'})`);
  }
  say(`base image ${base}: cannot be pulled (${pulled.stderr.trim().split('\n').pop()}); making it with ${maker} ${major}`);
  const made = spawnSync('bash', [maker, major], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (made.status !== 0 || !present()) throw new Error(`${maker} ${major} failed (exit ${made.status})`);
}

/** The Node major of the images: NODE_MAJOR from the environment (to try another line), else the Dockerfile's. */
function nodeMajor() {
  const major = process.env.NODE_MAJOR ?? /^ARG NODE_MAJOR=(\d+)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
  if (!/^\d+$/.test(major ?? '')) throw new Error(`no Node major: set NODE_MAJOR or give the Dockerfile ARG NODE_MAJOR=<major> (got ${major})`);
  return major;
}

function build(engine, what, tag, args) {
  say(`building ${what} (${tag})`);
  const t = Date.now();
  // --pull=never: the base is local by now (podman would otherwise look it up in registries).
  const flags = engine.name === 'podman' ? ['--pull=never', '--format', 'docker'] : [];
  const result = spawnSync(...engineCall(['build', ...flags, '-t', tag, ...args]), { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) {
    const tail = (result.stdout + result.stderr).split('\n').slice(-60).join('\n');
    throw new Error(`building ${what} failed (exit ${result.status}); the build's last lines:\n${tail}`);
  }
  say(`built ${what} in ${((Date.now() - t) / 1000).toFixed(0)} s`);
}

/** Starts a detached container; its name is removed again at the end, whatever happens. */
function runContainer(engine, name, args) {
  containers.add(name);
  spawnSync(...engineCall(['rm', '-f', name]), { stdio: 'ignore' });
  const line = ['run', '-d', '--name', name, '--stop-timeout', String(STOP_TIMEOUT), ...engine.run, ...args];
  say(`${engine.command} ${line.filter((a) => !engine.run.includes(a)).join(' ')}`);
  engine.output(line);
}

function logs(engine, name) {
  const result = spawnSync(...engineCall(['logs', name]), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return `${result.stdout}${result.stderr}`;
}

function state(engine, name) {
  const [status, code] = engine.output(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name]).trim().split(' ');
  return { status, code: Number(code) };
}

/** Waits until the container has exited; resolves with its exit code. */
async function exited(engine, name, seconds, what) {
  await eventually(seconds, what, async () => {
    const { status } = state(engine, name);
    if (status !== 'exited' && status !== 'stopped') throw new Error(`still ${status}`);
  }, () => logs(engine, name));
  return state(engine, name).code;
}

// ---- the checks ----

async function nvcfCheck(engine) {
  const name = `livestream-session-check-${process.pid}`;
  const port = await freePort();
  say('2. the service image, --simulate, checked from outside as NVCF drives it');
  runContainer(engine, name, ['-p', `127.0.0.1:${port}:8011`, SERVICE_IMAGE, '--simulate', `${EXT}/resumeTimeoutSeconds=3`]);
  const check = spawnSync(process.execPath, [join(root, 'dist/src/main.js'), 'check', `http://127.0.0.1:${port}`, '--ready-timeout', '60'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.stdout.write(`${check.stdout.trimEnd().replace(/^/gm, '  ')}\n`);
  if (check.status !== 0) throw new Error(`livestream-session check exited ${check.status}:\n${check.stderr}\n--- container log:\n${logs(engine, name)}`);
  const code = await exited(engine, name, 30, 'the container to exit after the graceful end');
  if (code !== 0) throw new Error(`the container exited ${code} after the session ended, not 0:\n${logs(engine, name)}`);
  say('check passed; the container exited 0 once the session had ended');
}

async function lockedDown(engine) {
  const name = `livestream-session-locked-${process.pid}`;
  const port = await freePort();
  say(`3. the service image locked down (${LOCKED_DOWN.join(' ')})`);
  runContainer(engine, name, [...LOCKED_DOWN, '-p', `127.0.0.1:${port}:8011`, SERVICE_IMAGE, '--simulate']);
  const base = `http://127.0.0.1:${port}/v1/streaming`;
  await eventually(60, 'GET /v1/streaming/ready = 200', async () => expectStatus(await fetch(`${base}/ready`), 200), () => logs(engine, name));
  expectStatus(await fetch(`${base}/startup`), 200);
  const creds = await fetch(`${base}/creds`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stunIp: '127.0.0.1', stunPort: 3478, username: 'u', password: 'p' }),
  });
  expectStatus(creds, 200);
  if (engine.name === 'podman') {
    // Without systemd podman runs no health check on a timer; this runs the image's HEALTHCHECK once.
    if (!engine.succeeds(['healthcheck', 'run', name])) throw new Error(`the image's HEALTHCHECK failed:\n${logs(engine, name)}`);
  }
  say('startup 200, ready 200, creds 200, HEALTHCHECK passes');
  const t = Date.now();
  engine.output(['stop', '-t', String(STOP_TIMEOUT), name]);
  const seconds = (Date.now() - t) / 1000;
  const { code } = state(engine, name);
  if (code !== 0) throw new Error(`SIGTERM: the container exited ${code}, not 0:\n${logs(engine, name)}`);
  if (seconds >= STOP_TIMEOUT) throw new Error(`SIGTERM: the container took ${seconds} s, the whole stop timeout`);
  if (!logs(engine, name).includes('livestream-session: SIGTERM, closing')) throw new Error(`the service did not see SIGTERM:\n${logs(engine, name)}`);
  say(`SIGTERM: exit 0 after ${seconds.toFixed(1)} s (stop timeout ${STOP_TIMEOUT} s)`);
}

async function realSession(engine) {
  const name = `livestream-session-webrtc-${process.pid}`;
  say('4. the example image streams to Chromium through coturn');
  [coturn, browser] = await Promise.all([
    startCoturn(),
    chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'], timeout: 60_000 }),
  ]);
  say(`coturn on 127.0.0.1:${coturn.port} (the only relay: transportPolicy RELAY); Chromium ${browser.version()}`);
  const [servicePort, appPort] = [await freePort(), await freePort()];
  const mediaMin = 40_000 + 50 * Math.floor(Math.random() * 100);
  // The host's network: the relay and the viewer are on this host's loopback.
  runContainer(engine, name, [
    ...LOCKED_DOWN, '--network', 'host',
    '-e', `LIVESTREAM_SESSION_PORT=${servicePort}`, '-e', 'LIVESTREAM_SESSION_HOST=127.0.0.1',
    '-e', `WEBRTC_APP_PORT=${appPort}`, '-e', `WEBRTC_APP_MEDIA_PORTS=${mediaMin}-${mediaMin + 49}`,
    APP_IMAGE,
  ]);
  const base = `http://127.0.0.1:${servicePort}/v1/streaming`;
  const message = async () => (await (await fetch(`${base}/ready`)).json()).statusMessage;
  const readiness = (seconds, expected) =>
    eventually(seconds, `readiness "${expected}"`, async () => {
      const got = await message();
      if (got !== expected) throw new Error(`readiness is "${got}"`);
    }, () => logs(engine, name));

  await readiness(90, 'Status: Ready for connection');
  say('ready: the app is up and its first frame is out');
  const creds = await fetch(`${base}/creds`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(coturn.credentials()) });
  expectStatus(creds, 200);
  await eventually(30, 'the app to get the credentials', async () => {
    if (!logs(engine, name).includes('webrtc-app: credentials received')) throw new Error('not yet');
  }, () => logs(engine, name));

  const page = await browser.newPage();
  const console_ = [];
  page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
  await page.goto(`http://127.0.0.1:${appPort}/`);
  try {
    await page.waitForFunction(() => document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames >= 30, null, { timeout: 60_000 });
  } catch (error) {
    const seen = await page
      .evaluate(() => ({ status: document.querySelector('#status').textContent, frames: document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames, connection: window.viewer?.connectionState }))
      .catch((e) => e.message);
    throw new Error(`Chromium decoded no video: ${error.message}\npage: ${JSON.stringify(seen)}\nconsole: ${console_.join('\n')}\n--- coturn:\n${coturn.output.slice(-3000)}\n--- container log:\n${logs(engine, name)}`);
  }
  const pair = await page.evaluate(async () => {
    const stats = [];
    (await window.viewer.getStats()).forEach((s) => stats.push(s));
    const transport = stats.find((s) => s.type === 'transport');
    const selected = stats.find((s) => s.id === transport?.selectedCandidatePairId);
    const type = (id) => stats.find((s) => s.id === id)?.candidateType;
    const video = document.querySelector('video');
    return { local: type(selected?.localCandidateId), remote: type(selected?.remoteCandidateId), size: `${video.videoWidth}x${video.videoHeight}`, frames: video.getVideoPlaybackQuality().totalVideoFrames };
  });
  if (pair.local !== 'relay' || pair.remote !== 'relay') throw new Error(`the selected candidate pair is ${pair.local}/${pair.remote}, not relay/relay`);
  say(`Chromium decodes the video: ${pair.frames} frames of ${pair.size}, over a relay/relay candidate pair`);
  await readiness(30, 'Status: Streaming session active (keep alive)');
  say('readiness follows the viewer: active');
  await page.close({ runBeforeUnload: true });
  await readiness(30, 'Status: Ready for connection');
  say('the page closed: ready for connection again');

  const end = await fetch(`${base}/endsession`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId: 'image-test', gracefulShutdown: true }) });
  expectStatus(end, 200);
  const body = await end.json();
  if (body.sessionStatus !== 'COMPLETE') throw new Error(`endsession answered ${JSON.stringify(body)}, not COMPLETE`);
  const code = await exited(engine, name, STOP_TIMEOUT, 'the container to exit after the graceful end');
  const output = logs(engine, name);
  if (code !== 0) throw new Error(`the container exited ${code} after the graceful end, not 0:\n${output}`);
  if (!output.includes('webrtc-app: stopped')) throw new Error(`the app did not stop in order:\n${output}`);
  if (output.includes(coturn.password)) throw new Error('the TURN password appears in the container log');
  if (engine.output(['ps', '-q', '--filter', `name=${name}`]).trim() !== '') throw new Error('the container still runs');
  say('graceful endsession: COMPLETE, the app stopped, the container exited 0 and runs no more');
}

// ---- helpers ----

function expectStatus(response, status) {
  if (response.status !== status) throw new Error(`${response.url} answered ${response.status}, not ${status}`);
}

/** Retries `check` every 200 ms until it passes; after `seconds`, fails with its last error and `context()`. */
async function eventually(seconds, what, check, context) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`waited ${seconds} s for ${what}; last: ${error.cause?.code ?? error.message}\n--- container log:\n${context()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// So that a Ctrl-C on this script still removes the containers and stops coturn and Chromium.
process.once('SIGINT', () => {
  for (const name of containers) spawnSync(...engineCall(['rm', '-f', name]), { stdio: 'ignore' });
  void coturn?.stop();
  process.exit(130);
});
