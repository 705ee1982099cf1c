// Writes a .kit file into a fresh temp dir, as a user would keep one next to the app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { SettingsError } from '../../src/settings/load.js';

export function writeKit(toml: string, name = 'app.kit'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livestream-settings-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, toml);
  return file;
}

/** The message of the SettingsError that `load` throws; fails the test if it throws none. */
export function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as Error).message;
  }
  throw new Error('loading did not fail');
}
