// The supervisor's passthrough of the application's output, measured with the compiled CLI
// supervising real programs (`cat`, `head`), beside Node's own
// `fs.createReadStream(file).pipe(process.stdout)` reading the same file (the ceiling):
//
// - throughput on 150 MB of 76-byte lines, from the first byte to the last one read;
// - byte-exactness, on those lines and on random bytes (\r, \r\n, invalid UTF-8, a last
//   line without a break), through stdout and stderr;
// - the service's peak RSS while the app writes 300 MB without a line break.
//
//   node bench/passthrough.mjs [--smoke] [--out <dir>]
//
// Run by bench/bench.mjs (npm run bench). Without --smoke, a missed goal exits 1.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../scripts/free-port.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist/src/main.js');
const HTTP = '--/exts/omni.services.transport.server.http';

const { values: options } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench-results') },
    duration: { type: 'string' }, // bench.mjs's own; passed on, not used here
  },
});
const smoke = options.smoke;
const MB = 1_000_000;
const LINES_BYTES = smoke ? 8 * MB : 150 * MB;
const NO_BREAK_BYTES = smoke ? 16 * MB : 300 * MB;
const RANDOM_BYTES = smoke ? MB : 8 * MB;
const ROUNDS = smoke ? 1 : 3;
const GOALS = [
  { key: 'throughput', what: 'passthrough throughput ÷ Node pipe', min: 0.5 },
  { key: 'exact', what: 'bytes out = bytes in (our log lines aside)', equals: true },
  { key: 'noBreakRss', what: `peak RSS, app writing ${NO_BREAK_BYTES / MB} MB without a line break (MiB)`, max: 160 },
];

const budget = setTimeout(() => {
  console.error('passthrough bench: still running after 10 minutes; giving up');
  process.exit(1);
}, 600_000);
budget.unref();

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

// ---------------------------------------------------------------- inputs

const work = mkdtempSync(join(tmpdir(), 'livestream-passthrough-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function linesFile() {
  const count = Math.floor(LINES_BYTES / 76);
  const line = (i) => `line ${String(i).padStart(10, '0')} ${'the quick brown fox jumps over the lazy dog '.repeat(2)}`.slice(0, 75) + '\n';
  const buffer = Buffer.alloc(count * 76);
  for (let i = 0; i < count; i++) buffer.write(line(i), i * 76, 'latin1');
  const path = join(work, 'lines.txt');
  writeFileSync(path, buffer);
  return { path, bytes: buffer };
}

function randomFile() {
  // Random bytes, with plenty of \r, \n and \r\n, never a \n at the end.
  const bytes = randomBytes(RANDOM_BYTES);
  for (let i = 0; i < bytes.length; i += 97) bytes[i] = [0x0a, 0x0d, 0x0d][i % 3];
  for (let i = 50; i < bytes.length - 1; i += 211) bytes.set([0x0d, 0x0a], i);
  bytes[bytes.length - 1] = 0x21;
  const path = join(work, 'random.bin');
  writeFileSync(path, bytes);
  return { path, bytes };
}

// ---------------------------------------------------------------- running

/**
 * Runs a command with its stdout and stderr read as fast as they come. `until` is told the
 * bytes of stdout so far and says when the part being timed is over.
 */
function run(command, args, { keep = true, until = () => false, onDone } = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const out = { stdout: [], stderr: [] };
    let stdoutBytes = 0;
    let firstAt;
    let doneAt;
    child.stdout.on('data', (chunk) => {
      firstAt ??= performance.now();
      stdoutBytes += chunk.length;
      if (keep) out.stdout.push(chunk);
      if (doneAt === undefined && until(stdoutBytes, chunk)) {
        doneAt = performance.now();
        onDone?.(child);
      }
    });
    child.stderr.on('data', (chunk) => out.stderr.push(chunk));
    child.on('close', (code, signal) => {
      children.delete(child);
      resolveRun({ code, signal, firstAt, doneAt, stdout: Buffer.concat(out.stdout), stderr: Buffer.concat(out.stderr), stdoutBytes });
    });
  });
}

async function supervised(appCommand, options = {}) {
  const port = await freePort();
  return run(process.execPath, [CLI, `${HTTP}/port=${port}`, `${HTTP}/host=127.0.0.1`, '--', ...appCommand], options);
}

const OUR_LINE = Buffer.from('{"level":');
const OUR_NAME = '"name":"livestream-session"';

/**
 * Whether `out` is `input` with our log lines put in between its lines, and nothing else:
 * each of ours is a whole line (a JSON object named livestream-session) at a line boundary
 * of the app's, preceded by a `\n` of ours where the app's line before it ended with a lone
 * `\r` or was its last, without a break (as docs/integrating.md says of the supervisor).
 */
function exactWithOurLines(out, input) {
  let i = 0; // in out
  let j = 0; // in input
  for (let at = out.indexOf(OUR_LINE); ; at = out.indexOf(OUR_LINE, at + 1)) {
    const end = at < 0 ? -1 : out.indexOf(0x0a, at);
    const ours = at >= 0 && (at === 0 || out[at - 1] === 0x0a) && end >= 0 && out.subarray(at, end).toString().includes(OUR_NAME);
    if (at >= 0 && !ours) continue;
    let theirs = out.subarray(i, at < 0 ? out.length : at);
    const inputEnds = j + theirs.length - 1;
    if (at >= 0 && theirs.at(-1) === 0x0a && input[inputEnds] !== 0x0a && (inputEnds === input.length || theirs.at(-2) === 0x0d)) theirs = theirs.subarray(0, -1);
    if (!theirs.equals(input.subarray(j, j + theirs.length))) return false;
    j += theirs.length;
    if (at < 0) return j === input.length;
    i = end + 1;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------- the run

console.log(`passthrough bench: ${LINES_BYTES / MB} MB of 76-byte lines, ${ROUNDS} interleaved rounds; ${NO_BREAK_BYTES / MB} MB without a line break${smoke ? ', smoke run' : ''}`);
const lines = linesFile();
const random = randomFile();
const linesBytes = lines.bytes.length;

const ceilingMBps = [];
const serviceMBps = [];
let linesExact = true;
for (let round_ = 0; round_ < ROUNDS; round_++) {
  const ceiling = await run(process.execPath, ['-e', 'require("fs").createReadStream(process.argv[1]).pipe(process.stdout)', lines.path], {
    keep: false,
    until: (bytes) => bytes >= linesBytes,
  });
  ceilingMBps.push(linesBytes / MB / ((ceiling.doneAt - ceiling.firstAt) / 1000));
  let appStarted = false;
  let startedAt;
  const service = await supervised(['cat', lines.path], {
    // Timed from the first chunk after the service said it started the app, to the file's size.
    until: (bytes, chunk) => {
      if (!appStarted) {
        appStarted = chunk.includes('"msg":"application started"');
        return false;
      }
      startedAt ??= performance.now();
      return bytes >= linesBytes;
    },
  });
  serviceMBps.push(linesBytes / MB / ((service.doneAt - (startedAt ?? service.firstAt)) / 1000));
  linesExact &&= exactWithOurLines(service.stdout, lines.bytes);
  console.log(`passthrough bench: round ${round_ + 1}: Node pipe ${round(ceilingMBps.at(-1), 0)} MB/s, service ${round(serviceMBps.at(-1), 0)} MB/s, exact ${linesExact}`);
}

// Random bytes on both streams: stderr carries nothing of ours; on stdout, our next line after
// the last one (which has no break) starts with a \n of ours.
const randomRun = await supervised(['sh', '-c', 'cat "$0"; cat "$0" >&2', random.path]);
const randomExact = randomRun.stderr.equals(random.bytes) && exactWithOurLines(randomRun.stdout, random.bytes);
console.log(`passthrough bench: random bytes exact on stdout and stderr: ${randomExact}`);

// No line break at all: the peak RSS (VmHWM) once every byte has come through, while the app still runs.
let peakKiB;
const noBreak = await supervised(['sh', '-c', `head -c ${NO_BREAK_BYTES} /dev/zero | tr '\\0' '~'; exec sleep 600`], {
  keep: false,
  until: (bytes) => bytes >= NO_BREAK_BYTES,
  onDone: (child) => {
    peakKiB = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]);
    child.kill('SIGTERM');
  },
});
const noBreakMiB = round(peakKiB / 1024, 1);
console.log(`passthrough bench: ${NO_BREAK_BYTES / MB} MB without a line break: peak RSS ${noBreakMiB} MiB, service exit ${noBreak.code}`);

const figures = {
  ceilingMBps: round(median(ceilingMBps), 0),
  serviceMBps: round(median(serviceMBps), 0),
  throughput: round(median(serviceMBps) / median(ceilingMBps)),
  linesExact,
  randomExact,
  exact: linesExact && randomExact,
  noBreakRss: noBreakMiB,
};
const goals = GOALS.map((g) => {
  const value = figures[g.key];
  const met = g.equals !== undefined ? value === g.equals : g.min !== undefined ? value >= g.min : value <= g.max;
  return { ...g, value, met };
});
const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: availableParallelism(),
  loadAverage: loadavg().map((x) => round(x)),
  smoke,
  linesBytes: LINES_BYTES,
  noBreakBytes: NO_BREAK_BYTES,
  rounds: { ceilingMBps: ceilingMBps.map((x) => round(x, 0)), serviceMBps: serviceMBps.map((x) => round(x, 0)) },
  figures,
  goals,
};
const target = (g) => (g.equals !== undefined ? 'yes' : g.min !== undefined ? `≥ ${g.min}` : `≤ ${g.max}`);
const shown = (v) => (v === true ? 'yes' : v === false ? 'no' : v);
const markdown = [
  `Node ${report.node}, ${report.cpus} CPUs, load average ${report.loadAverage.join(' ')}; median of ${ROUNDS} interleaved rounds.`,
  '',
  '| passthrough | figure |',
  '|---|---:|',
  `| Node pipe, ${LINES_BYTES / MB} MB of 76-byte lines | ${figures.ceilingMBps} MB/s |`,
  `| service, \`-- cat\` of the same file | ${figures.serviceMBps} MB/s |`,
  `| bytes out = bytes in: the lines; random bytes on stdout and stderr | ${shown(linesExact)}; ${shown(randomExact)} |`,
  `| peak RSS, app writing ${NO_BREAK_BYTES / MB} MB without a line break | ${noBreakMiB} MiB |`,
  '',
  '| goal | value | target | met |',
  '|---|---:|---:|---|',
  ...goals.map((g) => `| ${g.what} | ${shown(g.value)} | ${target(g)} | ${g.met ? 'yes' : 'NO'} |`),
  '',
].join('\n');

mkdirSync(options.out, { recursive: true });
writeFileSync(join(options.out, 'passthrough.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(options.out, 'passthrough.md'), markdown);
console.log(`\n${markdown}`);
console.log(`passthrough bench: written to ${join(options.out, 'passthrough.json')} and passthrough.md`);

const missed = goals.filter((g) => !g.met);
if (!smoke && missed.length > 0) {
  console.error(`passthrough bench: goals missed: ${missed.map((g) => g.what).join(', ')}`);
  process.exitCode = 1;
}
