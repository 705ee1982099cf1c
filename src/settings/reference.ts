// How the settings are described to people: `--help` and docs/settings.md are both made
// here from the table, so neither can name a setting, default or range the table lacks.
import { SETTINGS, type SettingSpec } from './table.js';

/** One setting as a reader sees it; a secret's default is never shown. */
export interface SettingDescription {
  name: string;
  /** The Kit path as users write it, with its leading slash. */
  kitPath: string;
  /** The same setting in a .kit (TOML) file's [settings] table. */
  tomlKey: string;
  flag: string;
  env: string;
  fileEnv?: string;
  type: SettingSpec['type'];
  default: string;
  range?: string;
  deprecated: string[];
  meaning: string;
}

export function describeSetting(spec: SettingSpec): SettingDescription {
  const kitPath = `/${spec.path}`;
  const values = range(spec);
  return {
    name: spec.name,
    kitPath,
    tomlKey: tomlKey(spec.path),
    flag: `--${kitPath}=<${spec.type}>`,
    env: spec.env,
    ...(spec.fileEnv ? { fileEnv: spec.fileEnv } : {}),
    type: spec.type,
    default: shownDefault(spec),
    ...(values ? { range: values } : {}),
    deprecated: (spec.legacy ?? []).map((old) => `/${old}`),
    meaning: spec.description,
  };
}

function shownDefault(spec: SettingSpec): string {
  if (spec.default === undefined) return 'unset';
  return spec.secret ? 'set (not shown)' : String(spec.default);
}

function range(spec: SettingSpec): string | undefined {
  if (spec.type === 'bool') return 'true or false';
  if (spec.expected !== undefined) return spec.expected;
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min} to ${spec.max}`;
  return undefined;
}

// An extension name holds dots, so TOML needs it quoted: exts."omni.services.livestream.session".port
function tomlKey(path: string): string {
  const [root, ...rest] = path.split('/');
  if (root === 'exts' && rest.length >= 2) return `exts."${rest[0]}".${rest.slice(1).join('.')}`;
  return path.replaceAll('/', '.');
}

/** The settings part of `--help`. */
export function settingsHelp(): string {
  return SETTINGS.map(describeSetting)
    .map((s) => {
      const env = `env ${s.env}${s.fileEnv ? ` (or ${s.fileEnv}=<file holding it>)` : ''}`;
      const range = s.range && s.type !== 'bool' ? `; ${s.range}` : '';
      return `  --${s.kitPath}=<${s.type}>\n      ${env}; default ${s.default}${range}. ${s.meaning}`;
    })
    .join('\n');
}

const code = (text: string) => `\`${text}\``;
/** A default as shown: a value in code type, "unset" as a word. */
const shownValue = (s: SettingDescription) => (s.default === 'unset' || s.default === 'set (not shown)' ? s.default : code(s.default));
// A table cell cannot hold a bare '|'.
const cell = (text: string) => text.replaceAll('|', '\\|');

/** docs/settings.md, whole. */
export function settingsReference(): string {
  const settings = SETTINGS.map(describeSetting);
  const lines = [
    '<!-- Generated from src/settings/table.ts by `npm run generate`; do not edit. `npm run generate:check` fails when it is stale. -->',
    '',
    '# Settings reference',
    '',
    'Every setting of the service, for looking one up: its Kit path, flag, environment variable,',
    "type, default and range. [Settings, in Operating](operating.md#settings) says how to set them.",
    '',
    'Sources, later overriding earlier: the defaults, a `.kit` file (`--config app.kit`, its',
    '`[settings]` table), environment variables, `--/<Kit path>=<value>` arguments, and code',
    '(`createSessionService({ settings })`, by name). A bad value stops start-up with exit code 2,',
    'naming the key and the value.',
    '',
    '| setting | default | environment variable |',
    '|---|---|---|',
    ...settings.map((s) => `| [${code(s.name)}](#${s.name.toLowerCase()}) | ${shownValue(s)} | ${code(s.env)} |`),
  ];
  for (const s of settings) {
    lines.push(
      '',
      `## ${code(s.name)}`,
      '',
      s.meaning,
      '',
      '| | |',
      '|---|---|',
      `| Kit path | ${code(s.kitPath)} |`,
      `| flag | ${code(s.flag)} |`,
      `| in a \`.kit\` file | ${code(s.tomlKey)} |`,
      `| environment | ${code(s.env)}${s.fileEnv ? `, or ${code(s.fileEnv)} naming a file that holds it` : ''} |`,
      `| type | ${s.type} |`,
      `| default | ${shownValue(s)} |`,
      ...(s.range ? [`| range | ${cell(s.range)} |`] : []),
      ...(s.deprecated.length > 0 ? [`| deprecated path | ${s.deprecated.map(code).join(', ')} (still read, with a warning) |`] : []),
    );
  }
  return `${lines.join('\n')}\n`;
}
