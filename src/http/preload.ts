import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Resolves two turns of the event loop later, so that what waits meanwhile is answered first:
 * a probe's connection is accepted in one turn and its request read in the next.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

/**
 * Loads the CommonJS packages `names` and all they depend on one package per turn of the
 * event loop, each after what it depends on, so that importing one of `names` afterwards
 * finds it loaded. Loading Express and the validator in one go holds the event loop for
 * about 300 ms on a 2-core machine, and every probe polled meanwhile waits that long; one
 * package at a time, a probe waits 30 ms at most.
 *
 * A package that cannot be required by its name (types only, ESM only, no main) is left to
 * whatever imports it. Resolving as Node does from each package's own folder, the modules
 * loaded here are the very ones its dependents get.
 */
export async function preloadPackages(names: readonly string[]): Promise<void> {
  for (const load of inLoadOrder(names)) {
    await nextTurn();
    try {
      load();
    } catch {
      // Left to the import that needs it, which reports what is wrong.
    }
  }
}

/**
 * Each package's loader, after those of its dependencies (depth first, each package once),
 * found as they are asked for: finding them takes its share of the turns too.
 */
function* inLoadOrder(names: readonly string[]): Generator<() => unknown> {
  const visited = new Set<string>();
  function* visit(from: NodeJS.Require, name: string): Generator<() => unknown> {
    let manifest: string;
    try {
      manifest = from.resolve(`${name}/package.json`);
    } catch {
      return; // not installed, or its package.json not exported: left to its dependents
    }
    if (visited.has(manifest)) return;
    visited.add(manifest);
    const { dependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
    const own = createRequire(manifest);
    for (const dependency of Object.keys(dependencies)) yield* visit(own, dependency);
    yield () => from(name);
  }
  const root = createRequire(import.meta.url);
  for (const name of names) yield* visit(root, name);
}
