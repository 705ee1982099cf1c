import { describe, expect, it } from 'vitest';
import { LineReader, MATCH_BYTES } from '../../src/supervisor/lines.js';

function read(...chunks: Array<string | Buffer>) {
  const lines: string[] = [];
  const reader = new LineReader((line) => lines.push(line));
  for (const chunk of chunks) reader.feed(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  reader.end();
  return lines;
}

describe('the lines the output rules read', () => {
  it('end at \\n, \\r\\n and a lone \\r', () => {
    expect(read('a\nb\r\nc\rd\n')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keep a \\r\\n split across chunks as one break', () => {
    expect(read('a\r', '\nb\r', 'c\n')).toEqual(['a', 'b', 'c']);
  });

  it('join a line that spans chunks, and count a last line without a break', () => {
    expect(read('ab', 'c', 'd\ne', 'f')).toEqual(['abcd', 'ef']);
  });

  it('decode UTF-8, invalid sequences as U+FFFD', () => {
    expect(read(Buffer.from([0xc3, 0xa9, 0xff, 0x0a]))).toEqual(['é\ufffd']);
  });

  it('are cut to their first 64 KiB, however long the line', () => {
    const lines = read(`ready ${'x'.repeat(MATCH_BYTES)}`, 'y'.repeat(1_000_000), '\nnext\n');
    expect(lines.map((l) => l.length)).toEqual([MATCH_BYTES, 4]);
    expect(lines[0]!.startsWith('ready x')).toBe(true);
  });

  it('give empty lines as empty strings', () => {
    expect(read('\n\r\n\r')).toEqual(['', '', '']);
  });
});
