import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const PASSTHROUGH = fileURLToPath(new URL('../../bench/passthrough.mjs', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'livestream-passthrough-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the passthrough part of npm run bench', () => {
  it('measures the supervisor beside Node’s pipe and finds every byte where it belongs', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [PASSTHROUGH, '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, output).toBe(0);

    const report = JSON.parse(readFileSync(join(out, 'passthrough.json'), 'utf8'));
    expect(report.goals.map((g: { key: string }) => g.key)).toEqual(['throughput', 'exact', 'noBreakRss']);
    expect(report.figures.ceilingMBps).toBeGreaterThan(0);
    expect(report.figures.serviceMBps).toBeGreaterThan(0);
    expect(report.figures.noBreakRss).toBeGreaterThan(0);
    // Exactness holds in a smoke run too: it is no speed figure.
    expect(report.figures).toMatchObject({ linesExact: true, randomExact: true });
    expect(readFileSync(join(out, 'passthrough.md'), 'utf8')).toContain('| passthrough throughput ÷ Node pipe |');
  });
});
