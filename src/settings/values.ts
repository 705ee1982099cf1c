// Turns one raw value into a setting's value, or throws a SettingsError that
// names the key as the user wrote it, so a bad start-up is easy to fix.
import { SettingsError } from './errors.js';
import type { SettingSpec, Settings, SettingName } from './table.js';

type Value = Settings[SettingName];

/** A value from a .kit file; `file` is named in errors since TOML keys don't say where they came from. */
export function fromToml(spec: SettingSpec, value: unknown, key: string, file: string): Value {
  // The file is parsed with integers as bigint, so a number here was written
  // as a float (30.0) and counts as the wrong type.
  const int = typeof value === 'bigint' ? Number(value) : undefined;
  return typed(spec, value, int, key, ` in ${file}`);
}

/** A value from code (createSessionService({ settings })). */
export function fromCode(spec: SettingSpec, value: unknown, key: string): Value {
  const int = typeof value === 'number' ? value : undefined;
  return typed(spec, value, int, key, '');
}

/** String sources: environment variables and --/path=value arguments. */
export function fromText(spec: SettingSpec, text: string, key: string): Value {
  switch (spec.type) {
    case 'bool': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      break;
    }
    case 'int':
      if (/^[+-]?\d+$/.test(text)) return checkInt(spec, Number(text), key, text, '');
      break;
    case 'string':
      return checkString(spec, text, key, '');
  }
  throw invalid(spec, key, text, '');
}

function checkString(spec: SettingSpec, raw: string, key: string, suffix: string): string {
  const text = spec.trim ? raw.trim() : raw;
  if (text === '' && spec.allowEmpty !== true) throw invalid(spec, key, raw, suffix);
  const problem = spec.check?.(text);
  if (problem !== undefined) throw invalid(spec, key, raw, suffix, problem);
  return text;
}

function typed(spec: SettingSpec, value: unknown, int: number | undefined, key: string, suffix: string): Value {
  if (spec.type === 'bool' && typeof value === 'boolean') return value;
  if (spec.type === 'string' && typeof value === 'string') return checkString(spec, value, key, suffix);
  if (spec.type === 'int' && int !== undefined) return checkInt(spec, int, key, value, suffix);
  throw invalid(spec, key, value, suffix);
}

function checkInt(spec: SettingSpec, n: number, key: string, raw: unknown, suffix: string): number {
  const ok =
    Number.isSafeInteger(n) &&
    (spec.min === undefined || n >= spec.min) &&
    (spec.max === undefined || n <= spec.max);
  if (!ok) throw invalid(spec, key, raw, suffix);
  return n;
}

function invalid(spec: SettingSpec, key: string, value: unknown, suffix: string, problem?: string): SettingsError {
  const why = problem === undefined ? `expected ${expected(spec)}` : `${problem}; expected ${expected(spec)}`;
  const shown = spec.secret ? '[redacted]' : show(value);
  return new SettingsError(`Invalid value for ${key}: ${shown} (${why})${suffix}`);
}

function expected(spec: SettingSpec): string {
  if (spec.expected !== undefined) return spec.expected;
  if (spec.type === 'bool') return 'true or false';
  if (spec.type === 'string') return 'a non-empty string';
  if (spec.min !== undefined && spec.max !== undefined) return `an integer from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `an integer >= ${spec.min}`;
  return 'an integer';
}

// JSON quoting makes the type visible: "30" (a string) versus 30.
function show(value: unknown): string {
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // cyclic objects and the like: fall back to String()
  }
  return String(value);
}
