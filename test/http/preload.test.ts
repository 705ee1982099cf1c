// The HTTP layer loads a package per turn of the event loop, so that the probes polled while
// it loads are answered between the steps. Each case runs in a new Node process (a module
// cache of its own), against the compiled package.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/src/', import.meta.url).href;

/** Runs `body` (an ES module's code) in a new Node process; returns what it printed as JSON. */
async function inNewProcess<T>(body: string): Promise<T> {
  const script = `import { createRequire } from 'node:module';\nconst cache = createRequire(${JSON.stringify(DIST)}).cache;\n${body}`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as T;
}

/** How many modules each turn of the event loop loaded while `load` ran. */
const PER_TURN = (load: string) => `
  const perTurn = [];
  let seen = Object.keys(cache).length;
  let counting = true;
  const count = () => {
    const now = Object.keys(cache).length;
    perTurn.push(now - seen);
    seen = now;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  ${load}
  counting = false;
  count();
  console.log(JSON.stringify(perTurn.filter((n) => n > 0)));`;

const LAYER = `
  const { createApp } = await import('${DIST}app.js');
  const { loadSpec } = await import('${DIST}http/spec.js');
  createApp({ handlers: {}, spec: loadSpec(), logger: { info() {}, warn() {}, error() {}, debug() {} }, access: {} });
  await new Promise((resolve) => setTimeout(resolve, 50));`;

describe('loading the HTTP layer', () => {
  it('spreads Express and the validator over many turns of the event loop, none loading more than a fifth of their modules (the largest package, ajv, is some 60)', async () => {
    const stepped = await inNewProcess<number[]>(PER_TURN(`await (await import('${DIST}http/preload.js')).preloadPackages(['express', 'express-openapi-validator']);`));
    const total = stepped.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(300);
    expect(stepped.length).toBeGreaterThan(50);
    expect(Math.max(...stepped)).toBeLessThanOrEqual(total / 5);
    // The same count sees a plain import load them all in one turn.
    const atOnce = await inNewProcess<number[]>(PER_TURN(`const load = createRequire('${DIST}'); load('express'); load('express-openapi-validator');`));
    expect(atOnce).toHaveLength(1);
  });

  it('loads hardly anything the HTTP layer would not load itself', async () => {
    const modules = (preload: string) => inNewProcess<string[]>(`${preload}\n${LAYER}\nconsole.log(JSON.stringify(Object.keys(cache)));`);
    const plain = new Set(await modules(''));
    const preloaded = await modules(`await (await import('${DIST}http/preload.js')).preloadPackages(['express', 'express-openapi-validator']);`);
    const extra = preloaded.filter((file) => !plain.has(file));
    // Today js-yaml's command-line parser (argparse) and require-from-string, 130 KB: a
    // package whose main is far more than its dependents use (swagger-ui-dist's is its 1.5 MB
    // browser bundle) must not be preloaded.
    expect(extra.reduce((bytes, file) => bytes + statSync(file).size, 0)).toBeLessThan(256 * 1024);
  });
});
