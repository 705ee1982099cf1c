// Reads the [settings] table of a .kit file as Kit does: nested TOML tables
// become '/'-joined setting paths. Everything else in the file is Kit's business.
import { createRequire } from 'node:module';
import { SettingsError } from './errors.js';
import { messageOf, readSmallFile } from './read-file.js';

// The TOML parser loads only when a .kit file is given: most runs have none.
const load = createRequire(import.meta.url);

export interface KitEntry {
  path: string;
  value: unknown;
}

/** Far above any real .kit file: a bigger one is a wrong path (an asset, a log), not settings. */
export const MAX_KIT_FILE_BYTES = 1024 ** 2;
/** Far deeper than any Kit setting path: a deeper [settings] table is refused, not walked. */
export const MAX_KIT_SETTINGS_DEPTH = 64;

/** The settings of a .kit file; `settings` is undefined when it has no [settings] table. */
export function readKitSettings(file: string): { settings: KitEntry[] | undefined } {
  const text = readSmallFile(file, MAX_KIT_FILE_BYTES, 'config file');
  let doc: Record<string, unknown>;
  try {
    // bigint integers keep 30 and 30.0 apart, so a float is caught as the wrong type.
    const { parse } = load('smol-toml') as typeof import('smol-toml');
    doc = parse(text, { integersAsBigInt: true, unsafeKeyBehaviour: 'drop' });
  } catch (err) {
    throw new SettingsError(`Cannot parse config file ${file}: ${messageOf(err)}`);
  }
  if (!isTable(doc.settings)) return { settings: undefined };
  const entries: KitEntry[] = [];
  flatten(doc.settings, '', 1, entries, file);
  return { settings: entries };
}

function flatten(table: Record<string, unknown>, prefix: string, depth: number, out: KitEntry[], file: string): void {
  for (const [key, value] of Object.entries(table)) {
    const path = prefix + key;
    if (!isTable(value)) out.push({ path, value });
    else if (depth < MAX_KIT_SETTINGS_DEPTH) flatten(value, `${path}/`, depth + 1, out, file);
    else throw new SettingsError(`Config file ${file} nests tables under [settings] deeper than the ${MAX_KIT_SETTINGS_DEPTH} levels a setting path may have (at ${shortened(path)}/…)`);
  }
}

/** A path short enough for a message: its start, which says where in the file to look. */
const shortened = (path: string) => (path.length > 200 ? `${path.slice(0, 200)}…` : path);

// Dates and arrays are values, not tables.
function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
