// Figures of a real streaming session on loopback (reported, no goals yet): the CLI running
// examples/webrtc-app, coturn as the relay, headless Chromium as the viewer.
//
//   node bench/stream.mjs [--runs <n>] [--out <dir>]
//
// Each run starts the service and the app afresh and measures
//   - start → /ready 200: from spawning the CLI (which starts the app) to the first 200 from
//     GET /v1/streaming/ready (the app listening and ffmpeg's first frame packetised);
//   - WHEP POST → first frame: from the page's POST /whep (its resource timing) to the first
//     video frame it presents (requestVideoFrameCallback), both on the page's clock;
// then ends the session gracefully. The first run (cold caches) is reported but left out of
// the medians.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { checkReady, createClient, endSession, setCredentials } from 'livestream-session/client';
import { CHROMIUM, CHROMIUM_ARGS } from '../scripts/chromium.mjs';
import { startCoturn } from '../scripts/coturn.mjs';
import { freePort } from '../scripts/free-port.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({
  options: { runs: { type: 'string', default: '6' }, out: { type: 'string', default: join(root, 'bench-results') } },
});
const runs = Number(options.runs);
if (!(runs >= 2)) throw new Error(`--runs must be 2 or more, not ${options.runs}`);

const DEADLINE_MS = 60_000;

const relay = await startCoturn();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'], timeout: DEADLINE_MS });
const samples = [];
try {
  for (let run = 1; run <= runs; run++) {
    const sample = await oneSession();
    samples.push(sample);
    console.log(`bench:stream: run ${run}: start → /ready 200 ${sample.readyMs} ms, WHEP POST → first frame ${sample.firstFrameMs} ms`);
  }
} finally {
  await browser.close();
  await relay.stop();
}

async function oneSession() {
  const [port, appPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const cli = spawn(process.execPath, [join(root, 'dist/src/main.js'), `--/exts/omni.services.transport.server.http/port=${port}`, '--', process.execPath, join(root, 'examples/webrtc-app/app.mjs')], {
    stdio: 'ignore',
    env: { ...process.env, WEBRTC_APP_PORT: String(appPort), LOG_LEVEL: 'warn' },
  });
  const exited = new Promise((resolve) => cli.on('exit', resolve));
  const client = createClient({ baseUrl: `http://127.0.0.1:${port}` });
  await until(async () => (await checkReady({ client }).catch(() => undefined))?.response?.status === 200);
  const readyMs = performance.now() - started;

  await setCredentials({ client, body: relay.credentials() });
  const page = await browser.newPage();
  // The app may take a moment to see the credentials: the page itself retries until it does.
  await page.goto(`http://127.0.0.1:${appPort}/`);
  const firstFrameMs = await page.evaluate(
    (deadline) =>
      new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error('no frame')), deadline);
        document.querySelector('video').requestVideoFrameCallback((_, frame) => {
          const posts = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/whep') && e.initiatorType === 'fetch');
          resolve(frame.presentationTime - posts.at(-1).startTime);
        });
      }),
    DEADLINE_MS,
  );
  await page.close({ runBeforeUnload: true });
  await endSession({ client, body: { sessionId: 'bench', gracefulShutdown: true } });
  await exited;
  return { readyMs: round(readyMs), firstFrameMs: round(firstFrameMs) };
}

async function until(condition) {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`bench:stream: not ready within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return round(Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)]);
}

function round(x) {
  return Math.round(x * 10) / 10;
}

const warm = samples.slice(1);
const report = {
  node: process.version,
  cpus: cpus().length,
  loadAverage: loadavg().map((l) => round(l)),
  runs,
  medians: { readyMs: median(warm.map((s) => s.readyMs)), firstFrameMs: median(warm.map((s) => s.firstFrameMs)) },
  samples,
};
const markdown = [
  `Node ${report.node}, ${report.cpus} CPUs, load average ${report.loadAverage.join(' ')}; ${runs} sessions on loopback (the first one, a warm-up, left out of the medians).`,
  '',
  '| measure | median ms | first run ms | all runs ms |',
  '|---|---:|---:|---|',
  `| start → /ready 200 | ${report.medians.readyMs} | ${samples[0].readyMs} | ${samples.map((s) => s.readyMs).join(', ')} |`,
  `| WHEP POST → first frame shown | ${report.medians.firstFrameMs} | ${samples[0].firstFrameMs} | ${samples.map((s) => s.firstFrameMs).join(', ')} |`,
  '',
].join('\n');
mkdirSync(options.out, { recursive: true });
writeFileSync(join(options.out, 'stream.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(options.out, 'stream.md'), markdown);
console.log(`\n${markdown}`);
