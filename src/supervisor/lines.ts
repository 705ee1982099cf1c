// The application's output as lines, for the output: readiness rules only: what is passed
// through is never touched (see output.ts).

const LF = 0x0a;
const CR = 0x0d;

/** How much of a line a rule sees: a runaway line costs no more than this. */
export const MATCH_BYTES = 64 * 1024;

/**
 * Splits bytes into lines ended by `\n`, `\r\n` or a lone `\r`, and hands each on decoded
 * as UTF-8 (an invalid sequence becomes U+FFFD), cut to its first MATCH_BYTES bytes.
 */
export class LineReader {
  /** The current line's first bytes, when it began in an earlier chunk. */
  #head: Buffer[] = [];
  #headBytes = 0;
  /** The last chunk ended with `\r`: a `\n` first in the next one belongs to it. */
  #afterCR = false;

  constructor(private readonly onLine: (line: string) => void) {}

  feed(chunk: Buffer): void {
    let start = this.#afterCR && chunk[0] === LF ? 1 : 0;
    this.#afterCR = false;
    // Each of indexOf(LF) and indexOf(CR) runs once per break of its own kind, so a chunk
    // of many short lines is scanned once, not once per line.
    let lf = chunk.indexOf(LF, start);
    let cr = chunk.indexOf(CR, start);
    while (lf >= 0 || cr >= 0) {
      const end = cr < 0 || (lf >= 0 && lf < cr) ? lf : cr;
      this.#line(chunk, start, end);
      start = end + 1;
      if (end === cr) {
        if (start === chunk.length) this.#afterCR = true;
        else if (chunk[start] === LF) start += 1;
      }
      if (lf >= 0 && lf < start) lf = chunk.indexOf(LF, start);
      if (cr >= 0 && cr < start) cr = chunk.indexOf(CR, start);
    }
    this.#keep(chunk.subarray(start));
  }

  /** The output has ended: a last line without a line break counts too. */
  end(): void {
    if (this.#headBytes > 0) this.#line(Buffer.alloc(0), 0, 0);
  }

  #line(chunk: Buffer, start: number, end: number): void {
    let text: string;
    if (this.#headBytes === 0) {
      text = chunk.toString('utf8', start, Math.min(end, start + MATCH_BYTES));
    } else {
      this.#keep(chunk.subarray(start, end));
      text = Buffer.concat(this.#head).toString('utf8');
      this.#head = [];
      this.#headBytes = 0;
    }
    this.onLine(text);
  }

  /** Keeps what fits of an unfinished line (copied: the chunk it came from can go). */
  #keep(bytes: Buffer): void {
    const room = MATCH_BYTES - this.#headBytes;
    if (room <= 0 || bytes.length === 0) return;
    const kept = Buffer.from(bytes.subarray(0, room));
    this.#head.push(kept);
    this.#headBytes += kept.length;
  }
}
