// Writes docs/settings.md from the settings table (src/settings/reference.ts);
// with --check, writes nothing and exits 1 when the committed file differs.
// The TypeScript sources are read directly, without a build: each module of the import graph
// is transpiled into node_modules/.cache, where bare imports still resolve to node_modules.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const doc = join(root, 'docs/settings.md');

/** Transpiles `entry` and every relative import under it into `out`; returns the entry's output path. */
function transpileGraph(entry, out) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    });
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
    for (const [, spec] of outputText.matchAll(/(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/g)) {
      visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return join(out, relative(root, entry)).replace(/\.ts$/, '.js');
}

const out = join(root, 'node_modules/.cache/settings-doc');
rmSync(out, { recursive: true, force: true });
const { settingsReference } = await import(pathToFileURL(transpileGraph(join(root, 'src/settings/reference.ts'), out)).href);
rmSync(out, { recursive: true, force: true });
const fresh = settingsReference();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(doc, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (committed !== fresh) {
    console.error('docs/settings.md is stale (run npm run generate and commit)');
    process.exit(1);
  }
  console.log('docs/settings.md is fresh');
} else {
  writeFileSync(doc, fresh);
  console.log('wrote docs/settings.md');
}
