// SIGINT (Ctrl-C at a terminal, or a container runtime's stop signal) can come at any moment
// of the supervisor's start-up: before it has its signal handlers, while it binds its port,
// while the application is being started, before the application has started its own
// children. Whenever it comes, the CLI exits and nothing of the application's is left running.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CliProcess, freePort, killProcesses, type Exit } from '../support/process.js';
import { noneLeftWithin, taggedApp, withTag } from './tagged-app.js';

// Not afterEach: the cases run at once, and each one's CLI must outlive the others' ends.
afterAll(killProcesses);

const EXT = '--/exts/omni.services.livestream.session';
const HTTP = '--/exts/omni.services.transport.server.http';

/** Waits until `count` processes other than the CLI carry the tag (a fork not yet exec'd counts: it carries the CLI's command line). */
const tagged = (cli: CliProcess, tag: string, count: number) =>
  vi.waitFor(() => expect(withTag(tag, cli.child.pid).length).toBeGreaterThanOrEqual(count), { timeout: 10_000, interval: 2 });

// Moments of start-up, each found by what can be seen of it from outside, never by a delay.
const MOMENTS: Record<string, (cli: CliProcess, tag: string) => Promise<unknown>> = {
  'as soon as the CLI is spawned': async () => {},
  'at its first output': (cli) => new Promise((resolve) => cli.child.stdout!.once('data', resolve)),
  'once it logs listening': (cli) => cli.waitForLog('listening'),
  'once the application’s process exists': (cli, tag) => tagged(cli, tag, 1),
  'once it logs application started': (cli) => cli.waitForLog('application started'),
  'once the application printed its pid': (cli) => cli.waitForOutput('app '),
  'once the application’s child exists': (cli, tag) => tagged(cli, tag, 2),
  'once the application’s child printed its pid': (cli) => cli.waitForOutput('grandchild '),
};

const CASES = [
  ...Object.keys(MOMENTS).map((moment) => [moment, 'an application that ignores SIGTERM', true] as const),
  // An application that obeys SIGTERM at once leaves only its child: that must go too.
  ...Object.keys(MOMENTS)
    .filter((moment) => moment.includes('application'))
    .map((moment) => [moment, 'an application that obeys SIGTERM', false] as const),
];

function exitWithin(cli: CliProcess, ms: number): Promise<Exit | 'still running'> {
  return Promise.race([cli.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms).unref())]);
}

describe.concurrent('SIGINT during the supervisor’s start-up', () => {
  it.each(CASES)('leaves no process of the application running when SIGINT comes %s (%s)', async (moment, _kind, stubborn) => {
    const tag = `start-up-sigint-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const port = await freePort();
    const cli = new CliProcess([`${HTTP}/port=${port}`, `${HTTP}/host=127.0.0.1`, `${EXT}/appStopGraceSeconds=1`, '--', ...taggedApp(tag, { ignoresSigterm: stubborn })]);
    await MOMENTS[moment]!(cli, tag);
    cli.kill('SIGINT');
    const exit = await exitWithin(cli, 10_000);
    // Before its handlers are in place SIGINT ends Node itself; once they are, the CLI stops cleanly with 0.
    if (moment === 'as soon as the CLI is spawned') expect([{ code: 0, signal: null }, { code: null, signal: 'SIGINT' }]).toContainEqual(exit);
    else expect(exit, cli.stdout + cli.stderr).toEqual({ code: 0, signal: null });
    expect(await noneLeftWithin(tag, 3000)).toEqual([]);
  });
});
