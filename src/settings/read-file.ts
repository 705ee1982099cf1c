// Files named by settings are read whole at start-up: a wrong path (a big file, a device, a
// FIFO) must fail at once with a clear message, not stall start-up or fill memory.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { SettingsError } from './errors.js';

/**
 * The text of `file` (`what` names it in errors). Only a regular file is read, and no more
 * than `maxBytes` + 1 bytes of it: the size fstat reports is not trusted (a file that grows,
 * one in /proc that says 0).
 */
export function readSmallFile(file: string, maxBytes: number, what: string): string {
  let fd: number;
  try {
    // Non-blocking, so that opening a FIFO does not wait for a writer: it is refused below.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new SettingsError(`Cannot read ${what} ${file}: ${messageOf(err)}`);
  }
  try {
    // fstat of the opened file, so what is looked at is what is read.
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new SettingsError(`${capitalised(what)} ${file} is ${kindOf(stats)}, not a regular file`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) {
      const size = stats.size > maxBytes ? `${stats.size} bytes, over` : 'over';
      throw new SettingsError(`${capitalised(what)} ${file} is ${size} the ${shownSize(maxBytes)} it may have`);
    }
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    if (err instanceof SettingsError) throw err;
    throw new SettingsError(`Cannot read ${what} ${file}: ${messageOf(err)}`);
  } finally {
    closeSync(fd);
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'something else';
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const shownSize = (bytes: number) => (bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2} MiB` : `${bytes / 1024} KiB`);
