import type { Readable, Writable } from 'node:stream';
import type { Clock, TimerHandle } from '../core/clock.js';

const LF = 0x0a;
const CR = 0x0d;

/** A partial line of the app's held back longer than this goes out as it is. */
export const QUIET_MS = 50;
/** ... and so does one that grows past this. */
export const PARTIAL_MAX_BYTES = 64 * 1024;
/**
 * The app waits once this much is on its way to the destination. Above the destination's own
 * (small) high-water mark, so that a fast reader does not pause the app after every chunk.
 */
export const WAIT_AT_BYTES = 256 * 1024;
/** Lines of ours waiting (behind an unfinished line, or for a slow reader) are dropped past this. */
export const OWN_MAX_BYTES = 1024 * 1024;

const DRAIN_POLL_MS = 10;

/** Where the bytes written so far end: at a line start, after a line not ended by `\n`, or inside a line. */
type Edge = 'lineStart' | 'lineOver' | 'midLine';

/**
 * One of our output streams (stdout or stderr), shared by the application's bytes and our
 * own lines. The app's bytes go through unchanged, a chunk at a time; our lines go in only
 * where the app's output is at a line boundary, so neither splits a line of the other's.
 * When the destination is slow, the app's stream is paused (its pipe fills, and the app
 * waits, as it would writing to that destination itself); memory stays bounded.
 */
export class OutputMux {
  #edge: Edge = 'lineStart';
  /** The app's unfinished last line, not written yet. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  #heldTimer: TimerHandle | undefined;
  /** Our lines waiting for the app's line to end. */
  #own: string[] = [];
  #ownBytes = 0;
  #dropped = 0;
  /** The destination failed (its reader went away): from then on everything is dropped. */
  #broken = false;
  #waiters = new Set<() => void>();

  constructor(
    private readonly dest: Writable,
    private readonly clock: Clock,
    /** Told how many of our lines were dropped, once lines can be written again. */
    private readonly onDropped: (count: number) => void = () => {},
  ) {
    dest.on('error', () => {
      this.#broken = true;
      for (const wake of this.#waiters) wake();
    });
  }

  /**
   * Passes an application's stream through until it ends; resolves then. Pauses it while
   * the destination has more than its buffer's worth waiting.
   */
  attach(source: Readable): Promise<void> {
    return new Promise((resolve) => {
      source.on('data', (chunk: Buffer) => {
        if (this.app(chunk)) return;
        source.pause();
        this.#whenDrained(() => source.resume());
      });
      source.once('error', () => {}); // a read error ends the stream like its end does
      source.once('close', () => {
        this.appEnded();
        resolve();
      });
    });
  }

  /** Bytes of the application's; false when the destination asks it to wait. */
  app(chunk: Buffer): boolean {
    if (this.#broken) return true;
    const boundary = lastBoundary(chunk);
    if (boundary > 0) {
      this.#write(chunk.subarray(0, boundary));
      this.#edge = chunk[boundary - 1] === LF ? 'lineStart' : 'lineOver';
      this.#releaseOwn();
    }
    const rest = boundary > 0 ? chunk.subarray(boundary) : chunk;
    if (rest.length > 0) {
      if (this.#edge === 'midLine') this.#write(rest); // holding it back would change nothing
      else this.#hold(rest);
    }
    return this.#broken || this.dest.writableLength < WAIT_AT_BYTES;
  }

  /** The application's stream ended: its last line is over, whatever ended it. */
  appEnded(): void {
    this.#flushHeld();
    if (this.#edge === 'midLine') this.#edge = 'lineOver';
    this.#releaseOwn();
  }

  /** One line of ours, ending with `\n`. */
  own(line: string): void {
    if (this.#broken) return;
    if (this.#edge === 'midLine' || this.#own.length > 0) {
      if (this.#ownBytes + line.length > OWN_MAX_BYTES) this.#dropped += 1;
      else {
        this.#own.push(line);
        this.#ownBytes += line.length;
      }
      return;
    }
    this.#writeOwn(line);
  }

  /** A destination for pino: each log line is one of ours. */
  get logDestination(): { write(line: string): void } {
    return { write: (line) => this.own(line) };
  }

  /**
   * Writes out whatever is held (the app's output is over, or we are leaving) and resolves
   * once the destination has taken it all, or after `withinMs`.
   */
  drain(withinMs: number): Promise<void> {
    this.appEnded();
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(resolve, withinMs);
      this.#whenDrained(() => {
        this.clock.clearTimeout(timer);
        resolve();
      }, true);
    });
  }

  #hold(bytes: Buffer): void {
    this.#held.push(bytes);
    this.#heldBytes += bytes.length;
    if (this.#heldBytes >= PARTIAL_MAX_BYTES) this.#flushHeld();
    else this.#heldTimer ??= this.clock.setTimeout(() => this.#flushHeld(), QUIET_MS);
  }

  /** The held partial line goes out: from now on we are inside a line of the app's. */
  #flushHeld(): void {
    if (this.#heldTimer) this.clock.clearTimeout(this.#heldTimer);
    this.#heldTimer = undefined;
    if (this.#heldBytes === 0) return;
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    this.dest.cork();
    for (const bytes of held) this.#write(bytes);
    this.dest.uncork();
    this.#edge = 'midLine';
  }

  /** Writes the app's bytes, after its held partial line when there is one. */
  #write(bytes: Buffer): void {
    if (this.#broken) return;
    if (this.#heldBytes > 0) {
      const held = this.#held;
      this.#held = [];
      this.#heldBytes = 0;
      if (this.#heldTimer) this.clock.clearTimeout(this.#heldTimer);
      this.#heldTimer = undefined;
      this.dest.cork();
      for (const piece of held) this.dest.write(piece);
      this.dest.write(bytes);
      this.dest.uncork();
      return;
    }
    this.dest.write(bytes);
  }

  #releaseOwn(): void {
    if (this.#edge === 'midLine') return;
    const own = this.#own;
    this.#own = [];
    this.#ownBytes = 0;
    for (const line of own) this.#writeOwn(line);
  }

  #writeOwn(line: string): void {
    if (this.#broken) return;
    if (this.dest.writableLength > OWN_MAX_BYTES) {
      this.#dropped += 1;
      return;
    }
    // After a line the app did not end with \n, ours starts on a line of its own.
    this.dest.write(this.#edge === 'lineOver' ? `\n${line}` : line);
    this.#edge = 'lineStart';
    if (this.#dropped > 0) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      this.onDropped(dropped);
    }
  }

  /**
   * Calls `wake` once the destination has room again (or, with `empty`, has taken
   * everything: 'drain' does not say that, so it is looked at every DRAIN_POLL_MS too).
   */
  #whenDrained(wake: () => void, empty = false): void {
    const done = () => this.#broken || (empty ? this.dest.writableLength === 0 : this.dest.writableLength < WAIT_AT_BYTES);
    if (done()) return wake();
    let timer: TimerHandle | undefined;
    const finish = () => {
      this.dest.off('drain', check);
      this.#waiters.delete(check);
      if (timer) this.clock.clearTimeout(timer);
      wake();
    };
    const check = () => {
      if (done()) finish();
    };
    const poll = () => {
      timer = undefined;
      if (done()) finish();
      else timer = this.clock.setTimeout(poll, DRAIN_POLL_MS);
    };
    this.dest.on('drain', check);
    this.#waiters.add(check);
    if (empty) timer = this.clock.setTimeout(poll, DRAIN_POLL_MS);
  }
}

/**
 * Where the last complete line of a chunk ends: after its last `\n`, or after a lone `\r`
 * (one at the very end may be the first half of `\r\n`, so it does not count); 0 if none.
 */
function lastBoundary(chunk: Buffer): number {
  const lf = chunk.lastIndexOf(LF);
  const cr = chunk.length >= 2 ? chunk.lastIndexOf(CR, chunk.length - 2) : -1;
  return Math.max(lf, cr) + 1;
}
