import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { exitCodeForAppExit, SupervisedApp } from '../../src/supervisor/child.js';
import { isGone } from './byte-cli.js';

// A stubborn application: it and the process it starts both ignore SIGTERM.
const STUBBORN = `
process.on('SIGTERM', () => console.log('term ignored'));
const { spawn } = require('node:child_process');
spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('grandchild ' + process.pid); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'inherit', 'ignore'] });
setInterval(() => {}, 1000);
`;

const POLITE = `
process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
console.log('up');
process.stderr.write('to stderr\\nno newline at the end');
setInterval(() => {}, 1000);
`;

const started: SupervisedApp[] = [];
afterEach(() => {
  for (const app of started.splice(0)) app.kill();
});

function startApp(script: string, graceMs = 10_000) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const app = new SupervisedApp({ command: process.execPath, args: ['-e', script], env: process.env, clock, graceMs });
  app.onLine((line) => lines.push(line));
  started.push(app);
  const printed = (line: string) => vi.waitFor(() => expect(lines).toContain(line), { timeout: 10_000, interval: 10 });
  return { app, clock, lines, printed };
}

describe('a supervised application', () => {
  it('leads its own process group', async () => {
    const { app, printed } = startApp(POLITE);
    await printed('up');
    const stat = readFileSync(`/proc/${app.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    expect(Number(stat[2])).toBe(app.pid); // field 5, pgrp
  });

  it('hands over its output line by line, from both streams, the last line even without a newline', async () => {
    const { app, lines, printed } = startApp(POLITE);
    await printed('up');
    void app.stop();
    await app.exited;
    expect(lines).toEqual(expect.arrayContaining(['up', 'to stderr', 'no newline at the end', 'bye']));
  });

  it('is stopped with SIGTERM, without waiting for the grace period when it obeys', async () => {
    const { app, clock, printed } = startApp(POLITE);
    await printed('up');
    expect(await app.stop()).toEqual({ code: 0, signal: null });
    expect(clock.now()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('is killed with its whole process group once the grace period has passed on the clock, and not before', async () => {
    const { app, clock, lines, printed } = startApp(STUBBORN, 10_000);
    await vi.waitFor(() => expect(lines.some((l) => l.startsWith('grandchild '))).toBe(true), { timeout: 10_000, interval: 10 });
    const grandchild = Number(lines.find((l) => l.startsWith('grandchild '))!.split(' ')[1]);
    const stopping = app.stop();
    await printed('term ignored');
    clock.advance(9_999);
    expect(clock.pendingTimers).toBe(1); // the grace period, still running
    expect(app.hasExited).toBe(false);
    expect(isGone(grandchild)).toBe(false);
    clock.advance(1);
    expect(await stopping).toEqual({ code: null, signal: 'SIGKILL' });
    await vi.waitFor(() => expect(isGone(grandchild)).toBe(true), { timeout: 5000, interval: 10 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves what it started the rest of the grace period after it exits, then kills it', async () => {
    // The app obeys SIGTERM; the process it started ignores it and writes its pid to a file once it does.
    const pidFile = join(mkdtempSync(join(tmpdir(), 'livestream-pid-')), 'pid');
    const script = `
      process.on('SIGTERM', () => process.exit(0));
      const { spawn } = require('node:child_process');
      spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); require('node:fs').writeFileSync('${pidFile}', String(process.pid)); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
      setInterval(() => {}, 1000);
    `;
    const { app, clock } = startApp(script, 10_000);
    await vi.waitFor(() => expect(existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '').toBe(true), { timeout: 10_000, interval: 10 });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    const stopping = app.stop();
    expect(await app.exited).toEqual({ code: 0, signal: null });
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(2), { timeout: 5000, interval: 10 }); // grace, and a look at the group
    clock.advance(9_999);
    expect(isGone(grandchild)).toBe(false);
    clock.advance(1);
    expect(await stopping).toEqual({ code: 0, signal: null });
    await vi.waitFor(() => expect(isGone(grandchild)).toBe(true), { timeout: 5000, interval: 10 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('is killed at once with a grace period of 0', async () => {
    const { app, clock, lines } = startApp(STUBBORN, 0);
    await vi.waitFor(() => expect(lines.some((l) => l.startsWith('grandchild '))).toBe(true), { timeout: 10_000, interval: 10 });
    const stopping = app.stop();
    clock.advance(0);
    expect(await stopping).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('reports a command that is not found as exit code 127, with the reason', async () => {
    const app = new SupervisedApp({ command: '/nonexistent/app', args: [], env: process.env, clock: new FakeClock(), graceMs: 0 });
    expect(app.startError).toBe('command not found');
    expect(await app.exited).toEqual({ code: 127, signal: null });
    expect(await app.stop()).toEqual({ code: 127, signal: null });
  });

  it('reports a command that is not executable as exit code 126, with the reason', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'livestream-noexec-')), 'app.sh');
    writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const app = new SupervisedApp({ command: file, args: [], env: process.env, clock: new FakeClock(), graceMs: 0 });
    expect(app.startError).toBe('not executable');
    expect(await app.exited).toEqual({ code: 126, signal: null });
  });

  it('tells the moment it exits, before its output has been read to the end', async () => {
    const exits: unknown[] = [];
    const app = new SupervisedApp({ command: process.execPath, args: ['-e', 'process.exit(3)'], env: process.env, clock: new FakeClock(), graceMs: 0, onExit: (exit) => exits.push(exit) });
    started.push(app);
    expect(await app.exited).toEqual({ code: 3, signal: null });
    expect(exits).toEqual([{ code: 3, signal: null }]);
  });
});

describe('the exit code that recycles the instance', () => {
  it.each([
    [{ code: 3, signal: null }, 3],
    [{ code: 0, signal: null }, 1],
    [{ code: null, signal: 'SIGKILL' }, 137],
    [{ code: null, signal: 'SIGTERM' }, 143],
    [{ code: null, signal: 'SIGSEGV' }, 139],
  ] as const)('is %j → %i', (exit, code) => {
    expect(exitCodeForAppExit(exit)).toBe(code);
  });
});
