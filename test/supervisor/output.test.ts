import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { OWN_MAX_BYTES, OutputMux, PARTIAL_MAX_BYTES, QUIET_MS, WAIT_AT_BYTES } from '../../src/supervisor/output.js';

/** A destination that keeps what it is given, as bytes. */
function collector() {
  const chunks: Buffer[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { dest, text: () => Buffer.concat(chunks).toString('latin1'), bytes: () => Buffer.concat(chunks) };
}

function mux() {
  const clock = new FakeClock();
  const { dest, text, bytes } = collector();
  const dropped: number[] = [];
  const out = new OutputMux(dest, clock, (count) => dropped.push(count));
  const app = (s: string) => out.app(Buffer.from(s, 'latin1'));
  return { clock, out, app, text, bytes, dropped };
}

const OURS = '{"name":"livestream-session"}\n';

describe('the output mux', () => {
  it('passes the app’s bytes through unchanged: \\r, \\r\\n, invalid UTF-8, a last line without a break', () => {
    const { out, bytes } = mux();
    const input = Buffer.from([0x61, 0x0d, 0x62, 0x0d, 0x0a, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x65, 0x6e, 0x64]);
    out.app(input.subarray(0, 4));
    out.app(input.subarray(4));
    out.appEnded();
    expect(bytes()).toEqual(input);
  });

  it('writes our line at once between whole lines of the app’s', () => {
    const { out, app, text } = mux();
    app('one\n');
    out.own(OURS);
    app('two\n');
    expect(text()).toBe(`one\n${OURS}two\n`);
  });

  it('puts our line before an unfinished line of the app’s that is still held back', () => {
    const { out, app, text } = mux();
    app('one\ntw');
    out.own(OURS);
    app('o\n');
    expect(text()).toBe(`one\n${OURS}two\n`);
  });

  it('writes a held partial line once it has been quiet for a while, and then keeps ours until the app’s line ends', () => {
    const { clock, out, app, text } = mux();
    app('progress: ');
    clock.advance(QUIET_MS - 1);
    expect(text()).toBe('');
    clock.advance(1);
    expect(text()).toBe('progress: ');
    out.own(OURS);
    app('50%');
    expect(text()).toBe('progress: 50%');
    app(' done\nnext');
    expect(text()).toBe(`progress: 50% done\n${OURS}`);
  });

  it('writes a partial line that grows past the bound at once, without waiting to be quiet', () => {
    const { app, text } = mux();
    app('x'.repeat(PARTIAL_MAX_BYTES - 1));
    expect(text()).toBe('');
    app('x');
    expect(text().length).toBe(PARTIAL_MAX_BYTES);
  });

  it('takes a lone \\r as a line boundary, and starts our line on a line of its own after it', () => {
    const { out, app, text } = mux();
    app('10%\r20%');
    out.own(OURS);
    app('\n');
    expect(text()).toBe(`10%\r\n${OURS}20%\n`);
  });

  it('never puts our line between the \\r and \\n of a \\r\\n split across chunks', () => {
    const { out, app, text } = mux();
    app('line\r');
    out.own(OURS);
    app('\nnext\n');
    expect(text()).toBe(`${OURS}line\r\nnext\n`);
  });

  it('after the app’s output ends without a line break, starts our next line on a line of its own', () => {
    const { clock, out, app, text } = mux();
    app('last words');
    clock.advance(QUIET_MS);
    out.own(OURS);
    expect(text()).toBe('last words');
    out.appEnded();
    expect(text()).toBe(`last words\n${OURS}`);
  });

  it('drops our lines past a bound while the app’s line does not end, and says how many once it does', () => {
    const { clock, out, app, text, dropped } = mux();
    app('no end');
    clock.advance(QUIET_MS);
    const line = `${'y'.repeat(1023)}\n`;
    const fit = Math.floor(OWN_MAX_BYTES / line.length);
    for (let i = 0; i < fit + 5; i++) out.own(line);
    expect(text()).toBe('no end');
    app('\n');
    expect(text().split('\n').filter((l) => l.startsWith('y')).length).toBe(fit);
    expect(dropped).toEqual([5]);
  });

  it('asks the app to wait while the destination is full, and lets it go on once it has drained', async () => {
    // A reader that takes nothing until told to.
    const waiting: Array<() => void> = [];
    const dest = new Writable({ highWaterMark: 1024, write: (_chunk, _encoding, done) => void waiting.push(done) });
    const out = new OutputMux(dest, new FakeClock());
    const lines = (n: number) => Buffer.from(`${'a'.repeat(n - 1)}\n`);
    expect(out.app(lines(WAIT_AT_BYTES / 2))).toBe(true);
    expect(out.app(lines(WAIT_AT_BYTES / 2))).toBe(false);
    const drained = new Promise((resolve) => dest.once('drain', resolve));
    while (waiting.length > 0) waiting.shift()!();
    await drained;
    expect(out.app(lines(10))).toBe(true);
  });

  it('drops everything once the destination has failed, without throwing', () => {
    const clock = new FakeClock();
    const dest = new Writable({ write: (_chunk, _encoding, done) => done(new Error('EPIPE')) });
    const out = new OutputMux(dest, clock);
    out.app(Buffer.from('a\n'));
    expect(() => {
      out.app(Buffer.from('b\n'));
      out.own(OURS);
    }).not.toThrow();
  });
});
