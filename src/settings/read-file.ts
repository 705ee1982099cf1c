// Files named by settings are read whole at start-up: a wrong path to a big file must
// fail at once with a clear message, not stall start-up while it is read and parsed.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { SettingsError } from './errors.js';

/** The text of `file` (`what` names it in errors), refused unread when over `maxBytes`. */
export function readSmallFile(file: string, maxBytes: number, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new SettingsError(`Cannot read ${what} ${file}: ${messageOf(err)}`);
  }
  try {
    // fstat of the opened file, so what is measured is what is read.
    const { size } = fstatSync(fd);
    if (size > maxBytes) throw new SettingsError(`${capitalised(what)} ${file} is ${size} bytes, over the ${shownSize(maxBytes)} it may have`);
    return readFileSync(fd, 'utf8');
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

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const shownSize = (bytes: number) => (bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2} MiB` : `${bytes / 1024} KiB`);
