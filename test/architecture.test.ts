// Layers point down: no import cycle in src/, type-only imports included, and the settings
// import nothing outside src/settings/. Imports are read with TypeScript's own pre-processor,
// which sees every form (import type, export from, side-effect and dynamic imports,
// typeof import(...)) and skips comments and strings.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Each .ts file under `dir` with the files under `dir` it imports, paths relative to `dir`. */
function importGraph(dir: string): Map<string, string[]> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.split('\\').join('/'));
  const graph = new Map<string, string[]>();
  for (const file of files.sort()) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(dir, file), 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => relative(dir, join(dir, dirname(file), specifier)).split('\\').join('/').replace(/\.js$/, '.ts'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One cycle for each group of files that import each other (Tarjan's components), as a path back to its start. */
function cycles(graph: Map<string, string[]>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (stack.includes(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group = stack.splice(stack.indexOf(file));
    if (group.length > 1 || graph.get(file)!.includes(file)) found.push(pathBack(graph, new Set(group), file));
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

/** A shortest path from `start` back to itself within `group`. */
function pathBack(graph: Map<string, string[]>, group: Set<string>, start: string): string {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (const file of queue) {
    for (const target of graph.get(file)!) {
      if (target === start) {
        const path = [start];
        for (let at = file; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
        return [...path, start].join(' -> ');
      }
      if (group.has(target) && !cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  throw new Error(`no way back to ${start}`);
}

describe('the layers of src/', () => {
  const graph = importGraph(join(ROOT, 'src'));

  it('hold no import cycle, type-only imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keep the settings a leaf: nothing in src/settings/ imports outside it', () => {
    const outward = [...graph]
      .filter(([file]) => file.startsWith('settings/'))
      .flatMap(([file, targets]) => targets.filter((target) => !target.startsWith('settings/')).map((target) => `${file} -> ${target}`));
    expect(outward).toEqual([]);
  });

  it('keep the webhooks beside the HTTP layer: src/webhooks/ imports only the core and the settings, and neither of those imports it', () => {
    const outward = [...graph]
      .filter(([file]) => file.startsWith('webhooks/'))
      .flatMap(([file, targets]) => targets.filter((t) => !/^(?:webhooks|core|settings)\/|^\.\.\/generated\//.test(t)).map((t) => `${file} -> ${t}`));
    const inward = [...graph]
      .filter(([file]) => file.startsWith('core/') || file.startsWith('settings/'))
      .flatMap(([file, targets]) => targets.filter((t) => t.startsWith('webhooks/')).map((t) => `${file} -> ${t}`));
    expect([...outward, ...inward]).toEqual([]);
    expect(graph.get('service.ts')).toContain('webhooks/index.ts');
  });

  it('are read whole: the composition root is seen to import the settings and the service', () => {
    expect(graph.get('main.ts')).toEqual(expect.arrayContaining(['settings/load.ts', 'service.ts']));
  });
});

describe('the cycle finder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };

  it('finds a cycle made of type-only imports, dynamic imports and re-exports, and ignores comments', () => {
    write('a.ts', "import type { B } from './b/b.js';\nexport type A = B;\n");
    write('b/b.ts', "export type { C } from './c.js';\nexport type B = string;\n");
    write('b/c.ts', "// import '../d.js'\nexport type C = typeof import('../a.js');\nawait import('../leaf.js');\n");
    write('leaf.ts', "const text = \"import './a.js'\";\nexport { text };\n");
    write('self.ts', "import './self.js';\n");
    const graph = importGraph(dir);
    expect(graph.get('b/c.ts')).toEqual(['a.ts', 'leaf.ts']);
    expect(graph.get('leaf.ts')).toEqual([]);
    expect(cycles(graph)).toEqual(['a.ts -> b/b.ts -> b/c.ts -> a.ts', 'self.ts -> self.ts']);
  });
});
