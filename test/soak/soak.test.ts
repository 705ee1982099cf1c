import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOAK = fileURLToPath(new URL('../../scripts/soak.mjs', import.meta.url));

/** Runs the soak script; resolves with its exit code and the result it reports. */
async function soak(args: string[]) {
  const child = spawn(process.execPath, [SOAK, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = output.split('\n').find((l) => l.startsWith('SOAK_RESULT '));
  return { code, output, result: line ? (JSON.parse(line.slice('SOAK_RESULT '.length)) as Record<string, any>) : undefined };
}

describe('npm run soak', () => {
  it('runs mixed traffic and event streams against the CLI for 2 s with zero errors', async () => {
    const { code, output, result } = await soak(['--duration', '2', '--workers', '4', '--listeners', '2', '--no-memory-check']);
    expect(result, output).toBeDefined();
    expect(result!.errorSamples).toEqual([]);
    expect(result!.errors).toBe(0);
    expect(code, output).toBe(0);
    expect(result!.requests).toBeGreaterThan(100);
    expect(Object.keys(result!.byOperation).sort()).toEqual(['bad input', 'creds', 'endsession', 'event', 'ready', 'startup']);
    expect(result!.streams).toBeGreaterThan(0);
    expect(result!.streamEvents).toBeGreaterThan(0);
  });
});
