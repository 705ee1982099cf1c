// The one list of settings. Every source (.kit file, env, args, code) is read
// through it, so a setting's path, type, range and default live in one place. A setting's
// Kit path and environment variable follow from its name, unless its row says otherwise.
import { parseReadyRule, READY_RULE_FORMS, READY_RULE_SETTINGS } from './ready-rules.js';

export type SettingType = 'bool' | 'int' | 'string';

export interface SettingSpec<Name extends string = SettingName> {
  readonly name: Name;
  /** Kit setting path: no leading slash, '/'-separated. */
  readonly path: string;
  readonly type: SettingType;
  /** undefined: unset unless a source sets it. */
  readonly default: boolean | number | string | undefined;
  readonly min?: number;
  readonly max?: number;
  readonly env: string;
  /** Paths of the predecessor omni.services.livestream.nvcf, still accepted. */
  readonly legacy?: readonly string[];
  readonly description: string;
  /** Never shown: not in logs, errors, /status or --help defaults. */
  readonly secret?: boolean;
  /** For strings with a form of their own: why `text` is not a valid value, if it is not. */
  readonly check?: (text: string) => string | undefined;
  /** What a valid value looks like, for error messages and --help. */
  readonly expected?: string;
  /** Strings: surrounding whitespace is dropped (with a warning) before the check. */
  readonly trim?: boolean;
  /** Strings: the empty string is a value (it turns off what the setting names). */
  readonly allowEmpty?: boolean;
  /** An environment variable naming a file that holds the value (the Docker and Kubernetes secrets convention). */
  readonly fileEnv?: string;
}

const checkReadyRule = (text: string) => {
  const rule = parseReadyRule(text);
  return 'error' in rule ? rule.error : undefined;
};

// A token a client cannot send in a header would answer 401 forever: refuse it at start-up.
// Node reads header bytes as Latin-1, so beyond ASCII the sent and expected tokens differ.
const checkToken = (text: string) =>
  /^[\x21-\x7e]+$/.test(text) ? undefined : 'has whitespace, a control character or a non-ASCII character inside';

/** A comma-separated list setting's items, blanks dropped. */
export const listItems = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

// Each receiver must be a plain http(s) URL: one that could never be posted to is refused at
// start-up, and credentials belong in the signing secret, not in a URL a log or /status shows.
const checkWebhookUrls = (text: string) => {
  const items = listItems(text);
  if (items.length === 0) return 'names no URL';
  for (const item of items) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      return `${JSON.stringify(item)} is not a URL`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${JSON.stringify(item)} is not an http or https URL`;
    if (url.username !== '' || url.password !== '') return `${JSON.stringify(item)} carries a user name or password`;
  }
  return undefined;
};

// A CloudEvents source is a URI reference: only the characters RFC 3986 allows in one.
const checkUriReference = (text: string) => (/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/.test(text) ? undefined : 'is not a URI reference');

/** The Standard Webhooks secret prefix; the rest is the key in base64. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

// Standard Webhooks: a key of 24 to 64 random bytes, in base64, usually after `whsec_`.
const checkWebhookSecret = (text: string) => {
  const key = text.startsWith(WEBHOOK_SECRET_PREFIX) ? text.slice(WEBHOOK_SECRET_PREFIX.length) : text;
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(key)) return 'is not base64';
  const bytes = Buffer.from(key, 'base64').length;
  return bytes >= 24 && bytes <= 64 ? undefined : `holds a key of ${bytes} bytes`;
};

export const SESSION_EXT_PREFIX = 'exts/omni.services.livestream.session/';
export const HTTP_EXT_PREFIX = 'exts/omni.services.transport.server.http/';
export const LEGACY_PREFIX = 'app/livestream/nvcf/';
export const ENV_PREFIX = 'LIVESTREAM_SESSION_';
/** Not a setting: the supervisor gives the application the base URL of the local event API in it. */
export const SESSION_URL_ENV = `${ENV_PREFIX}URL`;

/** A row as written: `path` and `env` only where they are not the ones its name gives. */
type Row = Omit<SettingSpec<string>, 'path' | 'env'> & { readonly path?: string; readonly env?: string };

const ROWS = [
  {
    name: 'quitOnSessionEnded',
    type: 'bool',
    default: true,
    legacy: [`${LEGACY_PREFIX}quitOnSessionEnded`],
    description: 'Quit the application when a session ends.',
  },
  {
    name: 'resumeTimeoutSeconds',
    type: 'int',
    default: 30,
    min: 0,
    // The longest delay a timer can hold (2^31 - 1 ms); more is surely a mistake.
    max: 2147483,
    legacy: [`${LEGACY_PREFIX}sessionResumeTimeoutSeconds`],
    description: 'Seconds to wait for a client to resume the session (0 = no resumption).',
  },
  {
    name: 'waitForSessionReadyEvent',
    type: 'bool',
    default: false,
    legacy: [`${LEGACY_PREFIX}waitForCustomReadyEvent`],
    description: 'Report ready only after an explicit session ready event.',
  },
  {
    name: 'endSessionOnResumeTimeout',
    type: 'bool',
    default: false,
    description: 'End the session by itself when the resume window runs out.',
  },
  {
    name: 'reconnectWindowSeconds',
    type: 'int',
    default: undefined,
    min: 0,
    max: 2147483,
    description:
      "The session manager's reconnect window (NVCF: X-NVCF-RECONNECT-WINDOW-SECS, 300 by default): the resume window follows it unless resumeTimeoutSeconds is set, and a shorter resume window is warned about (unset = none, or NVCF's 300 when NVCF_FUNCTION_ID is set).",
  },
  {
    name: 'port',
    path: `${HTTP_EXT_PREFIX}port`,
    type: 'int',
    default: 8011,
    min: 0,
    max: 65535,
    description: 'HTTP port of the REST API server (0 = any free port).',
  },
  {
    name: 'host',
    path: `${HTTP_EXT_PREFIX}host`,
    type: 'string',
    default: undefined,
    description: 'Interface the REST API server listens on (unset = all interfaces).',
  },
  {
    name: 'accessToken',
    type: 'string',
    default: undefined,
    fileEnv: 'LIVESTREAM_SESSION_ACCESS_TOKEN_FILE',
    secret: true,
    trim: true,
    check: checkToken,
    expected: 'printable ASCII without spaces, as an Authorization header carries it',
    description: 'Bearer token required on creds, endsession and the event API (unset = no token, as the original).',
  },
  {
    name: 'allowedHosts',
    type: 'string',
    default: undefined,
    description: 'More host names (comma-separated) local callers may use for the event API, beside localhost, 127.0.0.1, [::1] and host.',
  },
  {
    name: 'trustedOrigins',
    type: 'string',
    default: undefined,
    description: 'Origins (scheme://host:port, comma-separated) whose pages may call creds, endsession and the event API from a browser.',
  },
  {
    name: 'headersTimeoutSeconds',
    type: 'int',
    default: 10,
    min: 1,
    max: 600,
    description: 'Seconds a caller has to send its request headers before its connection is closed.',
  },
  {
    name: 'requestTimeoutSeconds',
    type: 'int',
    default: 30,
    min: 1,
    max: 3600,
    description: 'Seconds a caller has to send its whole request (headers and body).',
  },
  {
    name: 'maxEventStreams',
    type: 'int',
    default: 16,
    min: 1,
    max: 10000,
    description: 'Most event streams (GET /v1/streaming/events) open at once; a new one beyond closes the oldest, which reconnects and loses nothing kept.',
  },
  {
    name: 'appStopGraceSeconds',
    type: 'int',
    default: 10,
    min: 0,
    max: 2147483,
    description: 'Supervisor: seconds the application has to exit after SIGTERM before SIGKILL.',
  },
  {
    name: 'maxSessionSeconds',
    type: 'int',
    default: 0,
    min: 0,
    max: 2147483,
    description: 'Longest a session lasts, from its first client connection; then it ends with cause MAX_SESSION_LENGTH (0 = no limit).',
  },
  {
    name: 'firstConnectionTimeoutSeconds',
    type: 'int',
    default: 0,
    min: 0,
    max: 2147483,
    description: 'Seconds after the credentials of a session for a first client to connect; then it ends with cause NO_CLIENT_CONNECTED (0 = no limit).',
  },
  {
    name: 'idleTimeoutSeconds',
    type: 'int',
    default: 0,
    min: 0,
    max: 2147483,
    description:
      'Seconds without user input (omni.services.livestream.session.user_input) while a client is connected; then the session ends with cause IDLE_TIMEOUT (0 = no limit). A resume window does not count.',
  },
  {
    name: 'idleWarningSeconds',
    type: 'int',
    default: 10,
    min: 0,
    max: 2147483,
    description:
      'Seconds before idleTimeoutSeconds runs out that omni.services.livestream.session.idle_warning is dispatched, for a countdown (0 = no warning). With idleTimeoutSeconds set it must be less, the default included: a time-out of 10 s or less needs a shorter warning, or 0.',
  },
  {
    name: 'drainOnStop',
    type: 'bool',
    default: false,
    description: 'On SIGTERM or SIGINT, answer readiness 503 SHUTTING_DOWN at once and end the session with cause SHUTDOWN before stopping the application.',
  },
  {
    name: 'agones',
    type: 'bool',
    default: undefined,
    description: 'Drive the Agones GameServer through its SDK sidecar (unset = when AGONES_SDK_HTTP_PORT or AGONES_SDK_GRPC_PORT is set).',
  },
  {
    name: 'agonesHealthPeriodSeconds',
    type: 'int',
    // Agones marks a server Unhealthy after missed pings at its default period of 5 s.
    default: 2,
    min: 1,
    max: 300,
    description: 'Agones: seconds between health pings; keep it below the GameServer health.periodSeconds.',
  },
  {
    name: 'agonesSessionsCounter',
    type: 'string',
    default: 'sessions',
    allowEmpty: true,
    expected: 'a Counter name, or empty for none',
    description: 'Agones: the Counter kept at 1 while a session is under way and at 0 otherwise, when the GameServer declares it (empty = none, from a flag or a .kit file: an empty environment variable counts as unset).',
  },
  {
    name: 'agonesClientsList',
    type: 'string',
    default: 'clients',
    allowEmpty: true,
    expected: 'a List name, or empty for none',
    description: 'Agones: the List that holds the ids of the connected clients, when the GameServer declares it (empty = none, from a flag or a .kit file: an empty environment variable counts as unset).',
  },
  {
    name: 'webhookUrl',
    type: 'string',
    default: undefined,
    check: checkWebhookUrls,
    expected: 'http or https URLs, comma-separated',
    description: 'URLs (comma-separated) each session event is posted to, as a signed CloudEvent (unset = none; needs webhookSecret).',
  },
  {
    name: 'webhookSecret',
    type: 'string',
    default: undefined,
    fileEnv: 'LIVESTREAM_SESSION_WEBHOOK_SECRET_FILE',
    secret: true,
    trim: true,
    check: checkWebhookSecret,
    expected: 'whsec_ and 24 to 64 bytes in base64, as Standard Webhooks has it',
    description: 'Key the webhook requests are signed with (Standard Webhooks, HMAC-SHA256).',
  },
  {
    name: 'webhookSource',
    type: 'string',
    default: undefined,
    check: checkUriReference,
    expected: 'a URI reference (urn:..., https://..., /...)',
    description: 'The CloudEvents source of the webhook events (unset = livestream-session://<host name>:<port>).',
  },
  {
    name: 'webhookTimeoutSeconds',
    type: 'int',
    default: 10,
    min: 1,
    max: 600,
    description: 'Seconds a webhook receiver has to answer a request; then it is tried again later.',
  },
  {
    name: 'webhookQueueSize',
    type: 'int',
    default: 1000,
    min: 1,
    max: 100000,
    description: 'Most webhook events waiting for each receiver; beyond it the oldest waiting is dropped (and counted).',
  },
  {
    name: 'webhookFlushSeconds',
    type: 'int',
    default: 5,
    min: 0,
    max: 3600,
    description: 'Seconds the service, when it quits, has to deliver the webhook events still waiting, before it exits.',
  },
  ...READY_RULE_SETTINGS.map(({ name, event }) => ({
    name,
    type: 'string' as const,
    default: undefined,
    description: `Supervisor: raise ${event} once this holds.`,
    check: checkReadyRule,
    expected: READY_RULE_FORMS,
  })),
] as const satisfies readonly Row[];

type WrittenRow = (typeof ROWS)[number];
type ValueOf<R extends WrittenRow> = { bool: boolean; int: number; string: string }[R['type']] | (undefined extends R['default'] ? undefined : never);

/** The settings in force: one field per row of the table, typed by its row. */
export type Settings = { -readonly [R in WrittenRow as R['name']]: ValueOf<R> };

export type SettingName = keyof Settings;

// From its name: resumeTimeoutSeconds is exts/omni.services.livestream.session/resumeTimeoutSeconds
// and LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS.
const upperSnake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
const specOf = (row: Row & { readonly name: SettingName }): SettingSpec => ({
  ...row,
  path: row.path ?? `${SESSION_EXT_PREFIX}${row.name}`,
  env: row.env ?? `${ENV_PREFIX}${upperSnake(row.name)}`,
});

/** Every setting, in the order --help and /status show them. */
export const SETTINGS: readonly SettingSpec[] = Object.freeze(ROWS.map(specOf));

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze(defaults());

function defaults(): Settings {
  const values: Record<string, unknown> = {};
  for (const spec of SETTINGS) values[spec.name] = spec.default;
  // Every row has set its field: the shape is the table's.
  return values as Settings;
}
