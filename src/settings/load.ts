// Builds the effective settings from every source, lowest first:
// defaults < .kit file < env < Kit args < overrides from code.
import { closest } from './closest.js';
import { SettingsError } from './errors.js';
import { readKitSettings } from './kitFile.js';
import { DEFAULT_SETTINGS, SESSION_EXT_PREFIX, SETTINGS } from './table.js';
import type { SettingName, SettingSpec, Settings } from './table.js';
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
}

type Value = Settings[SettingName];
type Layer = Map<SettingName, Value>;

const BY_PATH = new Map<string, { spec: SettingSpec; legacy: boolean }>();
for (const spec of SETTINGS) {
  BY_PATH.set(spec.path, { spec, legacy: false });
  for (const old of spec.legacy ?? []) BY_PATH.set(old, { spec, legacy: true });
}
const BY_NAME = new Map(SETTINGS.map((spec) => [spec.name, spec]));
const SESSION_KEYS = SETTINGS.filter((s) => s.path.startsWith(SESSION_EXT_PREFIX)).map((s) =>
  s.path.slice(SESSION_EXT_PREFIX.length),
);

const UNQUOTED_EXT_PREFIXES = ['exts/omni/services/livestream/session/', 'exts/omni/services/transport/server/http/'];

export function isKitArg(arg: string): boolean {
  return arg.startsWith('--/');
}

export function loadSettings(sources: SettingsSources = {}): LoadedSettings {
  const warnings: string[] = [];
  const layers: Layer[] = [];
  const { configFile, env, args, overrides } = sources;
  if (configFile !== undefined) {
    const toValue = (spec: SettingSpec, value: unknown, path: string) => fromToml(spec, value, path, configFile);
    layers.push(byPath(readKitSettings(configFile), toValue, warnings));
  }
  if (env) layers.push(fromEnv(env));
  if (args) layers.push(byPath(splitArgs(args), fromText, warnings));
  if (overrides) layers.push(fromOverrides(overrides, warnings));

  const settings: Settings = { ...DEFAULT_SETTINGS };
  for (const layer of layers) {
    for (const [name, value] of layer) (settings as Record<SettingName, Value>)[name] = value;
  }
  if (settings.headersTimeoutSeconds > settings.requestTimeoutSeconds) {
    throw new SettingsError(
      `Invalid value for headersTimeoutSeconds: ${settings.headersTimeoutSeconds} (expected at most requestTimeoutSeconds, ${settings.requestTimeoutSeconds})`,
    );
  }
  return { settings, warnings };
}

/** A path-keyed source (file or args). Within it the new path beats its legacy alias. */
function byPath<T>(
  entries: readonly { path: string; value: T }[],
  convert: (spec: SettingSpec, value: T, path: string) => Value,
  warnings: string[],
): Layer {
  const layer: Layer = new Map();
  const setByNewPath = new Set<SettingName>();
  for (const { path, value } of entries) {
    const known = BY_PATH.get(path);
    if (!known) {
      const warning = unknownPathWarning(path);
      if (warning) warnings.push(warning);
      continue;
    }
    const { spec, legacy } = known;
    const converted = convert(spec, value, path);
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

// Only our own extension's namespace is ours to police: Kit passes settings for
// many other extensions, and the http server has settings we do not read.
function unknownPathWarning(path: string): string | undefined {
  if (path.startsWith(SESSION_EXT_PREFIX)) {
    const guess = closest(path.slice(SESSION_EXT_PREFIX.length), SESSION_KEYS);
    return `Unknown setting /${path}; did you mean /${SESSION_EXT_PREFIX}${guess}?`;
  }
  // An unquoted extension name in TOML (exts.omni.services...) silently splits
  // into path segments; say so rather than ignore the whole setting.
  if (UNQUOTED_EXT_PREFIXES.some((prefix) => path.startsWith(prefix))) {
    return `Setting /${path} is not read; quote the extension name, e.g. exts."omni.services.transport.server.http".port`;
  }
  return undefined;
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
function fromEnv(env: Record<string, string | undefined>): Layer {
  const layer: Layer = new Map();
  for (const spec of SETTINGS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') layer.set(spec.name, fromText(spec, raw, spec.env));
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
