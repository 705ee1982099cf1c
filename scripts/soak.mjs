#!/usr/bin/env node
// Soak: a bounded run of mixed traffic on loopback against the compiled CLI, reporting the
// requests made, every error, and the service's memory after warm-up and at the end.
//
//   node scripts/soak.mjs [--duration <s>] [--workers <n>] [--listeners <n>] [--no-memory-check]
//
// Exits 1 on any error (an unexpected status, a network error, a stream that did not start
// with readiness, a non-zero exit of the service) or on memory growth beyond noise.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from './free-port.mjs';

const MB = 1024 * 1024;
/**
 * Growth beyond noise. After warm-up the heap (measured after a full GC) holds only what the
 * service keeps; RSS also moves with the allocator, JIT code and GC heap sizing, by several
 * MB either way. A leak of 1 KB per request over a 60 s run (~100k requests) is ~100 MB, so:
 * fail when the heap grows by more than 8 MB and 25%, or RSS by more than 20 MB and 25%.
 */
const LIMITS = { heapMb: 8, rssMb: 20, fraction: 0.25 };

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    workers: { type: 'string', default: '8' },
    listeners: { type: 'string', default: '4' },
    'no-memory-check': { type: 'boolean', default: false },
  },
});
const durationMs = Number(args.duration) * 1000;
const workers = Number(args.workers);
const listeners = Number(args.listeners);
if (!(durationMs > 0) || !(workers > 0) || !(listeners >= 0)) {
  console.error('usage: soak.mjs [--duration <s>] [--workers <n>] [--listeners <n>] [--no-memory-check]');
  process.exit(2);
}
/** Traffic runs this long before the first memory sample, so start-up allocations settle. */
const warmUpMs = Math.min(10_000, durationMs * 0.2);

const CLI = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./soak-probe.mjs', import.meta.url));
const EXT = '--/exts/omni.services.livestream.session';
const HTTP = '--/exts/omni.services.transport.server.http';


const port = await freePort();
const base = `http://127.0.0.1:${port}/v1/streaming`;
const child = spawn(
  process.execPath,
  ['--expose-gc', '--import', PROBE, CLI, `${HTTP}/port=${port}`, `${HTTP}/host=127.0.0.1`, `${EXT}/quitOnSessionEnded=false`,
    `${EXT}/resumeTimeoutSeconds=1`, `${EXT}/endSessionOnResumeTimeout=true`, '--simulate'],
  // Logs go nowhere: the service still writes every line, the soak does not keep them.
  { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
);
let stderr = '';
child.stderr.on('data', (chunk) => (stderr += chunk));
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

const stats = { requests: 0, byOperation: {}, streams: 0, streamEvents: 0, errors: 0, errorSamples: [] };
function error(what) {
  stats.errors++;
  if (stats.errorSamples.length < 10) stats.errorSamples.push(what);
}

/** Waits (bounded) until the service answers, as a real caller polls it. */
async function waitUntilUp() {
  const giveUpAt = Date.now() + 10_000;
  while (Date.now() < giveUpAt) {
    const { code } = await Promise.race([exited, fetch(`${base}/startup`).then(() => ({ code: 'up' }), () => ({}))]);
    if (code === 'up') return;
    if (code !== undefined) throw new Error(`the service exited during start-up (${code}): ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the service did not answer within 10 s');
}

const CREDS = {
  stunIp: 'stun.example.com',
  stunPort: 3478,
  username: 'soak-user',
  password: 'soak-pass',
  privateSharedPort: 49100,
  turnDetails: { username: 'tu', password: 'tp', uris: ['turn:10.0.0.1:3478'], relayProtocol: 'TCP', transportPolicy: 'ALL', relayLocation: 'CSP' },
};
const EVENTS = [
  'omni.kit.livestream.client_connected:immediate',
  'omni.kit.livestream.client_disconnected:immediate',
  'omni.services.livestream.session.ready',
  'omni.kit.app.GLOBAL_EVENT_APP_READY',
  'omni.usd.StageRenderingEventType.NEW_FRAME',
];
const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const pick = (items) => items[Math.floor(Math.random() * items.length)];

/** Each operation: its weight, the request, and the statuses it may answer. */
const OPERATIONS = [
  { name: 'ready', weight: 30, path: '/ready', init: () => ({}), ok: [200, 503] },
  { name: 'startup', weight: 10, path: '/startup', init: () => ({}), ok: [200] },
  { name: 'creds', weight: 10, path: '/creds', init: () => json(CREDS), ok: [200] },
  { name: 'endsession', weight: 10, path: '/endsession', init: () => json({ sessionId: `soak-${stats.requests}`, gracefulShutdown: pick([true, false, null]) }), ok: [200] },
  { name: 'event', weight: 30, path: '/events', init: () => json({ event: pick(EVENTS) }), ok: [202] },
  { name: 'bad input', weight: 2, path: '/endsession', init: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sessionId":' }), ok: [400] },
];
const totalWeight = OPERATIONS.reduce((sum, op) => sum + op.weight, 0);
function pickOperation() {
  let r = Math.random() * totalWeight;
  for (const op of OPERATIONS) if ((r -= op.weight) < 0) return op;
  return OPERATIONS[0];
}

let stopAt = Infinity;
const running = () => Date.now() < stopAt;

async function worker() {
  while (running()) {
    const op = pickOperation();
    stats.requests++;
    stats.byOperation[op.name] = (stats.byOperation[op.name] ?? 0) + 1;
    try {
      const response = await fetch(`${base}${op.path}`, op.init());
      await response.arrayBuffer();
      if (!op.ok.includes(response.status)) error(`${op.name}: status ${response.status}`);
    } catch (e) {
      error(`${op.name}: ${e.cause?.code ?? e.message}`);
    }
  }
}

/** Opens the event stream, reads it for a short while, drops it, and again. */
async function listener() {
  while (running()) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 20 + Math.random() * 300);
    stats.streams++;
    let text = '';
    try {
      const response = await fetch(`${base}/events`, { signal: abort.signal });
      if (response.status !== 200) error(`stream: status ${response.status}`);
      const decoder = new TextDecoder();
      for await (const chunk of response.body) text += decoder.decode(chunk, { stream: true });
      if (running()) error('stream: ended by the service');
    } catch (e) {
      if (e.name !== 'AbortError') error(`stream: ${e.cause?.code ?? e.message}`);
    } finally {
      clearTimeout(timer);
    }
    if (text && !/^(id: [0-9a-f]+-\d+\n)?event: readiness\n/.test(text)) error(`stream: began with ${JSON.stringify(text.slice(0, 40))}`);
    stats.streamEvents += text.split('\n\n').length - 1;
  }
}

/** RSS from /proc, heap and RSS after a full GC from the probe inside the service. */
async function memory() {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const procRss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) * 1024;
  const reply = new Promise((resolve) => child.once('message', (message) => resolve(message.memory)));
  child.send('memory');
  const inside = await Promise.race([reply, new Promise((resolve) => setTimeout(() => resolve(null), 5_000))]);
  if (!inside) throw new Error('the service did not report its memory');
  return { rss: procRss, heapUsed: inside.heapUsed, rssAfterGc: inside.rss };
}

const mb = (bytes) => (bytes / MB).toFixed(1);

let result;
try {
  await waitUntilUp();
  const startedAt = Date.now();
  stopAt = startedAt + durationMs;
  const traffic = [...Array.from({ length: workers }, worker), ...Array.from({ length: listeners }, listener)];
  await new Promise((resolve) => setTimeout(resolve, warmUpMs));
  const atStart = await memory();
  const requestsAtStart = stats.requests;
  const samples = [atStart];
  while (Date.now() + 5_000 < stopAt) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    samples.push(await memory());
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, stopAt - Date.now() - 200)));
  const atEnd = await memory();
  await Promise.all(traffic);
  const elapsed = (Date.now() - startedAt) / 1000;

  child.kill('SIGTERM');
  const exit = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve({ code: 'timeout' }), 10_000))]);
  if (exit.code !== 0) error(`service exit after SIGTERM: ${JSON.stringify(exit)}`);

  const growth = { rss: atEnd.rss - atStart.rss, heapUsed: atEnd.heapUsed - atStart.heapUsed };
  const leaks = [];
  if (growth.heapUsed > LIMITS.heapMb * MB && growth.heapUsed > atStart.heapUsed * LIMITS.fraction) leaks.push(`heap grew by ${mb(growth.heapUsed)} MB`);
  if (growth.rss > LIMITS.rssMb * MB && growth.rss > atStart.rss * LIMITS.fraction) leaks.push(`RSS grew by ${mb(growth.rss)} MB`);

  result = {
    seconds: Number(elapsed.toFixed(1)),
    requests: stats.requests,
    requestsPerSecond: Math.round(stats.requests / elapsed),
    requestsAfterWarmUp: stats.requests - requestsAtStart,
    byOperation: stats.byOperation,
    streams: stats.streams,
    streamEvents: stats.streamEvents,
    errors: stats.errors,
    errorSamples: stats.errorSamples,
    memoryMb: {
      rssAfterWarmUp: Number(mb(atStart.rss)),
      rssAtEnd: Number(mb(atEnd.rss)),
      rssMax: Number(mb(Math.max(...samples.map((s) => s.rss), atEnd.rss))),
      heapAfterWarmUp: Number(mb(atStart.heapUsed)),
      heapAtEnd: Number(mb(atEnd.heapUsed)),
    },
    memoryChecked: !args['no-memory-check'],
    leaks,
  };
} catch (e) {
  child.kill('SIGKILL');
  console.error(`soak: ${e.message}`);
  process.exit(1);
}

const m = result.memoryMb;
console.log(`soak: ${result.seconds} s, ${result.requests} requests (${result.requestsPerSecond}/s), ${result.streams} event streams (${result.streamEvents} events)`);
console.log(`soak: ${Object.entries(result.byOperation).map(([name, n]) => `${name} ${n}`).join(', ')}`);
console.log(`soak: errors ${result.errors}${result.errors ? `: ${result.errorSamples.join('; ')}` : ''}`);
console.log(`soak: RSS ${m.rssAfterWarmUp} MB after warm-up → ${m.rssAtEnd} MB at end (max ${m.rssMax}); heap after GC ${m.heapAfterWarmUp} → ${m.heapAtEnd} MB`);
if (result.leaks.length) console.log(`soak: memory growth beyond noise: ${result.leaks.join('; ')}${result.memoryChecked ? '' : ' (not checked)'}`);
console.log(`SOAK_RESULT ${JSON.stringify(result)}`);
process.exit(result.errors > 0 || (result.memoryChecked && result.leaks.length > 0) ? 1 : 0);
