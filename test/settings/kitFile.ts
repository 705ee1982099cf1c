// Writes a .kit file into a fresh temp dir, as a user would keep one next to the app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function writeKit(toml: string, name = 'app.kit'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livestream-settings-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, toml);
  return file;
}
