import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, sendEvent } from '../../generated/sdk.gen.js';
import { ByteCli, goneWithin, killByteClis, withoutOwnLines, WRITER } from './byte-cli.js';

afterEach(killByteClis);

const EXT = '--/exts/omni.services.livestream.session';
const MB = 1_000_000;
const writer = (...flags: string[]) => ['--', process.execPath, WRITER, ...flags];
const json = (text: string) => JSON.stringify(text);

describe('the application’s output, through the supervisor', () => {
  // a\rb\r\n, invalid UTF-8 (FF FE, C3 followed by a non-continuation byte), then a last line without a break.
  const TRICKY = Buffer.from([0x61, 0x0d, 0x62, 0x0d, 0x0a, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x6c, 0x61, 0x73, 0x74]);

  it('comes out byte for byte on both streams: \\r, \\r\\n, invalid UTF-8 and a last line without a line break', async () => {
    const { cli } = await ByteCli.start(writer(`--hex=${TRICKY.toString('hex')}`));
    expect(await cli.exited).toEqual({ code: 1, signal: null }); // it exited 0 by itself: recycle
    expect(cli.out.stderr.buffer()).toEqual(TRICKY);
    // On stdout, our log lines sit around it; the one after it starts on a line of its own.
    expect(withoutOwnLines(cli.out.stdout.buffer())).toEqual(Buffer.concat([TRICKY, Buffer.from('\n')]));
    expect(cli.logs().map((l) => l.msg)).toContain('application exited by itself: recycle the instance');
  });

  it('passes a 100 MB line through whole, and keeps our log lines until it has ended', { timeout: 120_000 }, async () => {
    const { cli, client } = await ByteCli.start(writer(`--bytes=${100 * MB}`, `--then=${json('\nafter\n')}`, '--on-usr2=""', '--stay'), { stdout: false });
    await cli.appPid();
    // While the line is on its way, the service logs (a refused event, at info level).
    await cli.until('the line has begun', () => cli.out.stdout.bytes > 10 * MB);
    const refused = await sendEvent({ client, body: { event: 'not.an.event' } as never });
    expect(refused.response.status).toBe(400);
    await cli.until('the line has ended', () => cli.out.stdout.buffer().toString('latin1').includes('after\n'));
    await cli.until('the refusal is logged', () => cli.logs().some((l) => l.status === 400));
    const rest = cli.out.stdout.buffer().toString('latin1'); // everything but the line's filler bytes
    expect(withoutOwnLines(Buffer.from(rest, 'latin1')).toString('latin1')).toBe('\nafter\n');
    expect(rest.indexOf('"status":400')).toBeGreaterThan(rest.indexOf('\nafter\n'));
    expect(cli.out.stdout.filler).toBe(100 * MB);
    expect(cli.out.stdout.lone).toBe(0);
    expect((await checkReady({ client })).response.status).toBe(503);
  });

  it('never kills the service, and keeps its memory bounded, when the app writes 600 MB to stderr without a line break', { timeout: 180_000 }, async () => {
    const { cli, client } = await ByteCli.start(
      [`${EXT}/appReadyWhen=output:^ready$`, ...writer('--to=stderr', `--bytes=${600 * MB}`, `--then=${json('\nready\n')}`, '--stay')],
      { stderr: false },
    );
    await cli.untilLog('readiness rule held');
    await cli.until('all of it has come through', () => cli.out.stderr.bytes === 600 * MB + '\nready\n'.length);
    expect(cli.out.stderr.filler).toBe(600 * MB);
    expect(cli.out.stderr.buffer().toString()).toBe('\nready\n');
    expect((await checkReady({ client })).error).toMatchObject({ reason: 'RTX_NOT_READY' }); // app ready: the rule held
    // Memory from /proc: the peak, over the whole run. The line would be 600 MB held whole.
    expect(cli.peakRssMiB()).toBeLessThan(250);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('raises a readiness event from a line ended by a lone \\r (a progress bar)', async () => {
    const { cli, client } = await ByteCli.start([`${EXT}/appReadyWhen=output:^app ready$`, ...writer(`--then=${json('loading 10%\rloading 100%\rapp ready\r')}`, '--stay')]);
    await cli.untilLog('readiness rule held');
    expect((await checkReady({ client })).error).toMatchObject({ reason: 'RTX_NOT_READY' });
  });

  it('raises a readiness event from the first 64 KiB of a longer line, and sees nothing past them', async () => {
    const long = `ready ${'x'.repeat(100 * 1024)} tail\n`;
    const { cli } = await ByteCli.start([
      `${EXT}/appReadyWhen=output:^ready x`,
      `${EXT}/newFrameWhen=output:tail$`,
      ...writer(`--then=${json(`${long}done\n`)}`, '--stay'),
    ]);
    await cli.untilLog('readiness rule held');
    await cli.until('done is passed through', () => cli.out.stdout.buffer().includes('done\n'));
    expect(cli.logs().filter((l) => l.msg === 'readiness rule held').map((l) => l.setting)).toEqual(['appReadyWhen']);
  });

  it('keeps a line of the app’s whole when the service logs in the middle of it', async () => {
    const { cli, client } = await ByteCli.start(writer(`--then=${json('part one, ')}`, `--on-usr2=${json('part two\n')}`, '--stay'));
    const pid = await cli.appPid();
    await cli.until('the first part is out', () => cli.out.stdout.buffer().includes('part one, '));
    // The service logs a readiness change now, while the app's line is unfinished.
    expect((await sendEvent({ client, body: { event: 'omni.kit.app.GLOBAL_EVENT_APP_READY' } })).response.status).toBe(202);
    process.kill(pid, 'SIGUSR2');
    await cli.until('the readiness change is logged', () => cli.logs().some((l) => l.msg === 'readiness changed'));
    const stdout = cli.out.stdout.buffer().toString('latin1');
    expect(stdout).toContain('part one, part two\n');
    expect(stdout.indexOf('"msg":"readiness changed"')).toBeGreaterThan(stdout.indexOf('part two\n'));
  });

  it('makes the app wait while nobody reads the service’s stdout, with the service answering and its memory bounded', { timeout: 120_000 }, async () => {
    const total = 76 * 2_000_000;
    const { cli, client } = await ByteCli.start(writer(`--bytes=${total}`, '--line=76', '--progress', '--stay'), { stdout: false });
    cli.child.stdout!.pause(); // a log collector that has stopped reading
    const written = () => Number(/writer: wrote (\d+)\n$/.exec(cli.out.stderr.buffer().subarray(-100).toString('latin1'))?.[1] ?? 0);
    await cli.until('the app has begun', () => written() > 0);
    // Until the app's progress stops moving, the probes keep answering.
    let last = -1;
    for (let still = 0; still < 20; ) {
      expect((await checkReady({ client })).response.status).toBe(503);
      const now = written();
      still = now === last ? still + 1 : 0;
      last = now;
    }
    expect(written()).toBeLessThan(total / 10);
    expect(cli.peakRssMiB()).toBeLessThan(150);
    cli.child.stdout!.resume();
    await cli.until('the app has written everything', () => written() === total);
    await cli.until('everything has come through', () => cli.out.stdout.bytes >= total);
    cli.child.kill('SIGTERM');
    await cli.exited;
    // Every byte of the app's came through: its filler, and the line breaks between.
    const { filler, lone } = cli.out.stdout;
    expect(filler).toBe(total - total / 76);
    expect(filler + lone + withoutOwnLines(cli.out.stdout.buffer()).length).toBe(total);
  });

  it('takes the app with it when the service is killed with SIGKILL', async () => {
    const { cli } = await ByteCli.start(writer('--stay'));
    const pid = await cli.appPid();
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(await goneWithin(pid, 5000)).toBe(true);
  });
});
