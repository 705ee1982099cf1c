import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('../../bench/bench.mjs', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'livestream-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bench', () => {
  // Longer the first time: the bench installs the original's stack from Debian when it is missing.
  it('measures the service beside the ceiling and the original’s stack and writes every row, without errors', { timeout: 300_000 }, async () => {
    const { code, output } = await runBench(['--smoke', '--duration', '0.5', '--out', out]);
    expect(code, output).toBe(0);

    const report = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    expect(report.load.map((r: { name: string }) => r.name)).toEqual([
      'ceiling GET /v1/streaming/ready',
      'original GET /v1/streaming/ready',
      'service GET /v1/streaming/ready',
      'original POST /v1/streaming/creds',
      'service POST /v1/streaming/creds',
      'service POST /v1/streaming/endsession',
    ]);
    for (const row of report.load) {
      expect(row, row.name).toMatchObject({ errors: 0 });
      expect(row.requests, row.name).toBeGreaterThan(0);
      for (const key of ['requestsPerSecond', 'p50Ms', 'p99Ms', 'maxMs']) expect(row[key], `${row.name} ${key}`).toBeGreaterThan(0);
    }
    for (const side of ['service', 'ceiling', 'original']) {
      expect(report.startUpMs[side], side).toBeGreaterThan(0);
      expect(report.rssMiB[side].idle, side).toBeGreaterThan(0);
      expect(report.rssMiB[side].afterLoad, side).toBeGreaterThan(0);
    }
    expect(report.startUpMs.serviceCreds).toBeGreaterThan(report.startUpMs.service);
    expect(report.eventLatency.ready.medianMs).toBeGreaterThan(0);
    expect(report.clientEvents).toEqual({ clients: 1000, connectMs: expect.any(Number), disconnectMs: expect.any(Number) });
    expect(report.eventLatency.stream.medianMs).toBeGreaterThan(0);
    expect(report.userInput).toMatchObject({ rate: 1000, session: { microsPerInput: expect.any(Number) }, http: { servicePercentOfCore: expect.any(Number), ceilingPercentOfCore: expect.any(Number) } });
    expect(report.userInput.session.microsPerInput).toBeGreaterThan(0);
    expect(report.userInput.http.servicePercentOfCore).toBeGreaterThan(0);
    expect(report.goals.map((g: { key: string }) => g.key)).toEqual(['readyVsOriginal', 'readyP99', 'startUp', 'idleRss', 'readyThroughput', 'credsThroughput', 'credsVsOriginal', 'userInputSessionCpu', 'userInputHttpCpu']);
    for (const goal of report.goals) expect(Number.isFinite(goal.ratio), goal.key).toBe(true);

    const table = readFileSync(join(out, 'bench.md'), 'utf8');
    for (const row of report.load) expect(table).toContain(`| ${row.name} |`);
    for (const goal of report.goals) expect(table).toContain(`| ${goal.what} | ${goal.ratio} |`);
    for (const line of ['start-up', 'idle RSS', 'RSS after load', 'on GET /v1/streaming/ready', 'on the event stream', 'user inputs a second']) expect(table).toContain(line);
  });
});
