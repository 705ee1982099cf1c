// An application for the supervisor to run that starts a child of its own; both print their
// pid once running ("app <pid>", "grandchild <pid>"), and carry a tag on their command line
// so that a test can find them in /proc. The child ignores SIGTERM; the application too
// when `ignoresSigterm`, else SIGTERM ends it at once (and leaves its child behind, unless
// the supervisor sees to it).
import { readdirSync, readFileSync } from 'node:fs';
import { vi, expect } from 'vitest';
import { isGone } from './byte-cli.js';

export const taggedApp = (tag: string, { ignoresSigterm = true } = {}) => [
  process.execPath,
  '-e',
  `${ignoresSigterm ? "process.on('SIGTERM', () => console.log('term ignored'));" : ''}
   const { spawn } = require('node:child_process');
   spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('grandchild ' + process.pid); setInterval(() => {}, 1000)", '${tag}'], { stdio: ['ignore', 'inherit', 'ignore'] });
   console.log('app ' + process.pid);
   setInterval(() => {}, 1000);`,
  tag,
];

/** Pids of live processes (not zombies) whose command line holds `tag`, but for `except`. */
export function withTag(tag: string, except?: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== except)
    .filter((pid) => {
      try {
        return !isGone(Number(pid)) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(tag);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The tagged processes still running once `withinMs` have passed, or none as soon as they are gone. */
export async function noneLeftWithin(tag: string, withinMs: number): Promise<number[]> {
  try {
    await vi.waitFor(() => expect(withTag(tag)).toEqual([]), { timeout: withinMs, interval: 20 });
  } catch {
    // reported by the caller
  }
  return withTag(tag);
}
