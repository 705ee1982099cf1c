// What stopping the application reaches, as the docs state it: every process in the
// application's process group (it leads its own), and nothing that has left that group.
// A process that calls setsid, or a job a shell starts under `set -m`, lives on after the
// service has stopped; in the image, it ends with the container (tini is PID 1).
import { afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, killProcesses, startCli } from '../support/process.js';
import { goneWithin, isGone } from './byte-cli.js';

const left: number[] = [];
afterEach(async () => {
  await killProcesses();
  for (const pid of left.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

// Three long sleeps, each printing its pid once it is where it will stay: one that called
// setsid, one started under `set -m` (its own process group), one a plain background job;
// then the app itself.
const APP = [
  'bash',
  '-c',
  `setsid sh -c 'echo "daemon $$"; exec sleep 3600' &
   (set -m; sh -c 'echo "job $$"; exec sleep 3600' &)
   sh -c 'echo "member $$"; exec sleep 3600' &
   exec sleep 3600`,
];

async function pidsOf(cli: CliProcess) {
  for (const name of ['daemon', 'job', 'member']) await cli.waitForOutput(`${name} `);
  const pid = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(cli.stdout)![1]);
  const pids = { daemon: pid('daemon'), job: pid('job'), member: pid('member') };
  left.push(...Object.values(pids));
  return pids;
}

describe('stopping the application', () => {
  it('stops every process in its process group, and none that left it (a setsid daemon, a set -m job)', async () => {
    const { cli } = await startCli(['--', ...APP]);
    const { daemon, job, member } = await pidsOf(cli);
    cli.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(await goneWithin(member, 5000)).toBe(true);
    // Alive after the service has exited: the docs say so.
    expect(isGone(daemon)).toBe(false);
    expect(isGone(job)).toBe(false);
  });
});
