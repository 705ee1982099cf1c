// Fails when generated/ differs from what openapi.yaml produces now, or docs/settings.md from
// what the settings table gives (scripts/settings-doc.mjs): both are made by npm run generate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const committed = 'generated';
const fresh = mkdtempSync(join(tmpdir(), 'livestream-generated-'));

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

try {
  execFileSync('npx', ['--no-install', 'openapi-ts', '--silent', '--no-log-file', '--output', fresh], { stdio: 'inherit' });
  const want = new Map(files(fresh).map((f) => [relative(fresh, f), readFileSync(f, 'utf8')]));
  const have = new Map(files(committed).map((f) => [relative(committed, f), readFileSync(f, 'utf8')]));
  const stale = [...new Set([...want.keys(), ...have.keys()])].filter((f) => want.get(f) !== have.get(f)).sort();
  if (stale.length > 0) {
    console.error(`generated/ is stale (run npm run generate and commit): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log(`generated/ is fresh (${have.size} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
try {
  execFileSync(process.execPath, ['scripts/settings-doc.mjs', '--check'], { stdio: 'inherit' });
} catch {
  process.exit(1);
}
