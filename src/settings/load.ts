// Builds the effective settings from every source, lowest first:
// defaults < .kit file < env < NVDA_KIT_ARGS < Kit args < overrides from code.
import { parse as shellWords } from 'shell-quote';
import { closest } from './closest.js';
import { SettingsError } from './errors.js';
import { readKitSettings } from './kitFile.js';
import { readSmallFile } from './read-file.js';
import { DEFAULT_SETTINGS, SESSION_EXT_PREFIX, SETTINGS } from './table.js';
import type { SettingName, SettingSpec, Settings } from './table.js';
import { unknownEnv, unknownPath } from './unknown.js';
import { fromCode, fromText, fromToml } from './values.js';

export { SettingsError };

export interface SettingsSources {
  /** Path of a .kit TOML file; only its [settings] table is read. */
  configFile?: string;
  env?: Record<string, string | undefined>;
  /** Kit-style '--/<path>=<value>'; other arguments are left alone. */
  args?: readonly string[];
  overrides?: Partial<Record<SettingName, unknown>>;
}

export interface LoadedSettings {
  settings: Settings;
  warnings: string[];
  /** Facts worth a line in the log (where settings came from). */
  notes: string[];
}

/** NVIDIA's Kit containers (NVCF) receive Kit's command-line arguments, settings among them, in this variable. */
export const KIT_ARGS_ENV = 'NVDA_KIT_ARGS';

type Value = Settings[SettingName];
type Layer = Map<SettingName, Value>;

const BY_PATH = new Map<string, { spec: SettingSpec; legacy: boolean }>();
for (const spec of SETTINGS) {
  BY_PATH.set(spec.path, { spec, legacy: false });
  for (const old of spec.legacy ?? []) BY_PATH.set(old, { spec, legacy: true });
}
const BY_NAME = new Map(SETTINGS.map((spec) => [spec.name, spec]));

/** A secret file holds a token, not a document: anything bigger is the wrong file. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** What is found while reading the sources: warnings, and problems that stop start-up. */
interface Findings {
  warnings: string[];
  problems: string[];
}

export function isKitArg(arg: string): boolean {
  return arg.startsWith('--/');
}

export function loadSettings(sources: SettingsSources = {}): LoadedSettings {
  const found: Findings = { warnings: [], problems: [] };
  const { warnings } = found;
  const layers: Layer[] = [];
  const { configFile, env, args, overrides } = sources;
  if (configFile !== undefined) {
    const toValue = (spec: SettingSpec, value: unknown, path: string) => fromToml(spec, value, path, configFile);
    const { settings: entries } = readKitSettings(configFile);
    if (entries === undefined) warnings.push(`Config file ${configFile} has no [settings] table; nothing is read from it`);
    layers.push(byPath(entries ?? [], toValue, found, ` in ${configFile}`));
  }
  const notes: string[] = [];
  if (env) layers.push(fromEnv(env, found));
  const kitArgsEnv = env?.[KIT_ARGS_ENV];
  if (kitArgsEnv) {
    const where = ` in ${KIT_ARGS_ENV}`;
    const layer = byPath(splitArgs(splitAsShell(kitArgsEnv)), (spec, value, path) => fromText(spec, value, path + where), found, where);
    layers.push(layer);
    if (layer.size > 0) notes.push(`Settings from ${KIT_ARGS_ENV}: ${describeLayer(layer)}`);
  }
  if (args) layers.push(byPath(splitArgs(args), fromText, found, ''));
  if (overrides) layers.push(fromOverrides(overrides, warnings));
  // Every mistake at once: fixing them one start-up at a time is slow.
  if (found.problems.length > 0) throw new SettingsError(found.problems.join('\n'));

  const settings: Settings = { ...DEFAULT_SETTINGS };
  for (const layer of layers) {
    for (const [name, value] of layer) (settings as Record<SettingName, Value>)[name] = value;
  }
  followReconnectWindow(settings, layers, env ?? {}, warnings);
  if (settings.headersTimeoutSeconds > settings.requestTimeoutSeconds) {
    throw new SettingsError(
      `Invalid value for headersTimeoutSeconds: ${settings.headersTimeoutSeconds} (expected at most requestTimeoutSeconds, ${settings.requestTimeoutSeconds})`,
    );
  }
  if (settings.webhookUrl !== undefined && settings.webhookSecret === undefined) {
    throw new SettingsError('webhookUrl needs webhookSecret: webhook requests are always signed (set LIVESTREAM_SESSION_WEBHOOK_SECRET_FILE or LIVESTREAM_SESSION_WEBHOOK_SECRET)');
  }
  if (settings.idleTimeoutSeconds > 0 && settings.idleWarningSeconds >= settings.idleTimeoutSeconds) {
    throw new SettingsError(
      `Invalid value for idleWarningSeconds: ${settings.idleWarningSeconds} (expected less than idleTimeoutSeconds, ${settings.idleTimeoutSeconds}, or 0 for no warning)`,
    );
  }
  return { settings, warnings, notes };
}

/** NVCF sets this in every function's container. */
export const NVCF_ENV = 'NVCF_FUNCTION_ID';
/** NVCF's reconnect window when the invocation names none (X-NVCF-RECONNECT-WINDOW-SECS). */
export const NVCF_RECONNECT_WINDOW_SECONDS = 300;

// NVCF's sidecar polls endsession (non-graceful) through its reconnect window, then ends the
// session gracefully: a shorter resume window quits the instance while NVCF still offers a reconnect.
function followReconnectWindow(settings: Settings, layers: readonly Layer[], env: Record<string, string | undefined>, warnings: string[]): void {
  const resumeSet = layers.some((layer) => layer.has('resumeTimeoutSeconds'));
  if (settings.reconnectWindowSeconds !== undefined && !resumeSet) settings.resumeTimeoutSeconds = settings.reconnectWindowSeconds;
  const onNvcf = Boolean(env[NVCF_ENV]);
  const window = settings.reconnectWindowSeconds ?? (onNvcf ? NVCF_RECONNECT_WINDOW_SECONDS : undefined);
  if (window === undefined || settings.resumeTimeoutSeconds >= window) return;
  const whose = settings.reconnectWindowSeconds !== undefined ? 'reconnectWindowSeconds' : `NVCF's default reconnect window (${NVCF_ENV} is set)`;
  warnings.push(
    `resumeTimeoutSeconds is ${settings.resumeTimeoutSeconds} s, shorter than the ${window} s of ${whose}: the session ends ${settings.resumeTimeoutSeconds} s after its client leaves while the session manager still offers a reconnect. ` +
      `Set /${SESSION_EXT_PREFIX}resumeTimeoutSeconds=${window}, or reconnectWindowSeconds to the window the session manager really uses.`,
  );
}

/** Words as a POSIX shell splits them (quotes and backslashes honoured); nothing is expanded or run. */
export function splitAsShell(text: string): string[] {
  return shellWords(text, (name) => `$${name}`).flatMap((word) => {
    if (typeof word === 'string') return [word];
    if ('op' in word) return word.op === 'glob' ? [word.pattern] : [word.op];
    return []; // a comment
  });
}

// Secrets are named, never shown.
function describeLayer(layer: Layer): string {
  return [...layer].map(([name, value]) => (BY_NAME.get(name)?.secret ? name : `${name}=${String(value)}`)).join(', ');
}

/** A path-keyed source (file or args). Within it the new path beats its legacy alias. */
function byPath<T>(
  entries: readonly { path: string; value: T }[],
  convert: (spec: SettingSpec, value: T, path: string) => Value,
  { warnings, problems }: Findings,
  where: string,
): Layer {
  const layer: Layer = new Map();
  const setByNewPath = new Set<SettingName>();
  for (const { path, value } of entries) {
    const known = BY_PATH.get(path);
    if (!known) {
      const unknown = unknownPath(path, where);
      if (unknown) (unknown.fatal ? problems : warnings).push(unknown.message);
      continue;
    }
    const { spec, legacy } = known;
    // Named as users write Kit paths: with the leading slash.
    const key = `/${path}`;
    const converted = convert(spec, value, key);
    noteTrimmed(spec, value, converted, `${key}${where}`, warnings);
    if (legacy) {
      warnings.push(`Setting /${path} is deprecated; use /${spec.path}`);
      if (setByNewPath.has(spec.name)) continue;
    } else {
      setByNewPath.add(spec.name);
    }
    layer.set(spec.name, converted);
  }
  return layer;
}

// A trailing newline is what a secret copied from a file often carries, and no client sends it.
function noteTrimmed(spec: SettingSpec, raw: unknown, value: Value, key: string, warnings: string[]): void {
  if (spec.trim && typeof raw === 'string' && raw !== value) warnings.push(`Removed whitespace around the value of ${key}`);
}

// A value-less '--/path' is only an error where the path is ours: other extensions'
// flags are not ours to judge.
function splitArgs(args: readonly string[]): { path: string; value: string }[] {
  return args.filter(isKitArg).flatMap((arg) => {
    const eq = arg.indexOf('=');
    if (eq >= 0) return [{ path: arg.slice(3, eq), value: arg.slice(eq + 1) }];
    const path = arg.slice(3);
    if (BY_PATH.has(path) || path.startsWith(SESSION_EXT_PREFIX)) {
      throw new SettingsError(`Invalid argument ${arg}: expected --/<path>=<value>`);
    }
    return [];
  });
}

// Empty counts as unset: `FOO= cmd` and compose files with blank values are common.
function fromEnv(env: Record<string, string | undefined>, { warnings, problems }: Findings): Layer {
  const isSet = (name: string) => env[name] !== undefined && env[name] !== '';
  for (const name of Object.keys(env)) {
    const problem = isSet(name) ? unknownEnv(name) : undefined;
    if (problem) problems.push(problem);
  }
  const layer: Layer = new Map();
  for (const spec of SETTINGS) {
    if (spec.fileEnv && isSet(spec.fileEnv)) {
      if (isSet(spec.env)) throw new SettingsError(`Set ${spec.env} or ${spec.fileEnv}, not both`);
      const file = env[spec.fileEnv]!;
      // A text file ends its last line with a line break: that one is not part of the value.
      const raw = readSmallFile(file, MAX_SECRET_FILE_BYTES, spec.fileEnv).replace(/\r?\n$/, '');
      const key = `${spec.fileEnv} (${file})`;
      const value = fromText(spec, raw, key);
      noteTrimmed(spec, raw, value, key, warnings);
      layer.set(spec.name, value);
    } else if (isSet(spec.env)) {
      const value = fromText(spec, env[spec.env]!, spec.env);
      noteTrimmed(spec, env[spec.env], value, spec.env, warnings);
      layer.set(spec.name, value);
    }
  }
  return layer;
}

function fromOverrides(overrides: Partial<Record<SettingName, unknown>>, warnings: string[]): Layer {
  const layer: Layer = new Map();
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const spec = BY_NAME.get(name as SettingName);
    if (!spec) {
      const guess = closest(name, [...BY_NAME.keys()]);
      warnings.push(`Unknown setting ${name} in overrides; did you mean ${guess}?`);
      continue;
    }
    layer.set(spec.name, fromCode(spec, value, name));
  }
  return layer;
}
