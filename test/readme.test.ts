import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The fenced shell examples of the README, as a reader would paste them. */
const shellBlocks = [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

describe("the README's shell examples", () => {
  it('are found', () => {
    expect(shellBlocks.length).toBeGreaterThan(5);
  });

  it('set every variable they use before using it', () => {
    for (const block of shellBlocks) {
      for (const use of block.matchAll(/\$\{?([A-Za-z_]\w*)/g)) {
        const before = block.slice(0, use.index);
        expect(before, `${use[0]} is used but not set in:\n${block}`).toMatch(new RegExp(`(^|[\\s;&|(])${use[1]}=`));
      }
    }
  });

  it('run the command as a fresh clone can, with npm start after npm ci, not npx', () => {
    for (const block of shellBlocks) expect(block, block).not.toMatch(/\bnpx livestream-session\b/);
    expect(shellBlocks.some((block) => block.includes('npm ci && npm start --'))).toBe(true);
  });
});
