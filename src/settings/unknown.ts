// What to say about a key that no setting has. Kit passes every extension's settings to
// every process, so only names that are ours, or one or two letters off ours, are judged:
// a typo there stops start-up, naming the key and the known one it is most likely meant as.
import { closest, editDistance } from './closest.js';
import { ENV_PREFIX, HTTP_EXT_PREFIX, LEGACY_PREFIX, SESSION_EXT_PREFIX, SESSION_URL_ENV, SETTINGS } from './table.js';

/** `fatal` stops start-up; otherwise the message is a warning. */
export interface UnknownKey {
  message: string;
  fatal: boolean;
}

// Kit's own http server documents these: settings of its, not typos of ours.
const KIT_HTTP_KEYS = [
  'http/enabled',
  'https/enabled',
  'https/port',
  'ssl/ssl_keyfile',
  'ssl/ssl_certfile',
  'ssl/ssl_version',
  'ssl/ssl_cert_reqs',
  'ssl/ssl_ca_certs',
  'ssl/ssl_ciphers',
  'cors/enabled',
  'cors/allow_origins',
  'cors/allow_credentials',
  'cors/allow_methods',
  'cors/allow_headers',
];

/** At most this many edits away from one of our names, a name is taken for a typo of it. */
const TYPO_DISTANCE = 2;

const keysUnder = (prefix: string) => SETTINGS.filter((s) => s.path.startsWith(prefix)).map((s) => s.path.slice(prefix.length));
const SESSION_KEYS = keysUnder(SESSION_EXT_PREFIX);
const HTTP_KEYS = keysUnder(HTTP_EXT_PREFIX);
const LEGACY_KEYS = new Map(SETTINGS.flatMap((s) => (s.legacy ?? []).map((old) => [old.slice(LEGACY_PREFIX.length), s.path] as const)));
const PREDECESSOR_EXT_PREFIX = 'exts/omni.services.livestream.nvcf/';
const OUR_EXTENSIONS = [
  { prefix: SESSION_EXT_PREFIX, keys: SESSION_KEYS },
  { prefix: HTTP_EXT_PREFIX, keys: HTTP_KEYS },
];
const UNQUOTED_EXT_PREFIXES = OUR_EXTENSIONS.map(({ prefix }) => prefix.replaceAll('.', '/'));

const ENV_NAMES = SETTINGS.flatMap((s) => (s.fileEnv ? [s.env, s.fileEnv] : [s.env]));
// Set by the supervisor for the application, so a service started from it inherits it.
const ENV_NOT_SETTINGS = [SESSION_URL_ENV];

const didYouMean = (path: string, where: string, guess: string) => `Unknown setting /${path}${where}; did you mean /${guess}?`;
const fatal = (message: string): UnknownKey => ({ message, fatal: true });

/**
 * `path` is a Kit setting path that no setting has, found `where` (e.g. " in app.kit");
 * undefined when it is not ours to judge.
 */
export function unknownPath(path: string, where = ''): UnknownKey | undefined {
  if (path.startsWith(SESSION_EXT_PREFIX)) {
    return fatal(didYouMean(path, where, SESSION_EXT_PREFIX + closest(path.slice(SESSION_EXT_PREFIX.length), SESSION_KEYS)));
  }
  if (path.startsWith(LEGACY_PREFIX)) {
    const key = closest(path.slice(LEGACY_PREFIX.length), [...LEGACY_KEYS.keys()])!;
    return fatal(didYouMean(path, where, LEGACY_KEYS.get(key)!));
  }
  if (path.startsWith(HTTP_EXT_PREFIX)) return unknownHttpKey(path, where, path.slice(HTTP_EXT_PREFIX.length));
  if (path.startsWith(PREDECESSOR_EXT_PREFIX)) return predecessorKey(path, where, path.slice(PREDECESSOR_EXT_PREFIX.length));
  const ext = /^exts\/([^/]+)\/(.+)$/.exec(path);
  const meant = ext && OUR_EXTENSIONS.find(({ prefix }) => isTypo(ext[1]!, prefix.slice('exts/'.length, -1)));
  if (ext && meant) {
    return fatal(`Unknown extension ${ext[1]} in /${path}${where}; did you mean /${meant.prefix}${closest(ext[2]!, meant.keys)}?`);
  }
  // An unquoted extension name in TOML (exts.omni.services...) splits into path segments.
  if (UNQUOTED_EXT_PREFIXES.some((prefix) => path.startsWith(prefix))) {
    return fatal(`Setting /${path}${where} is not read; quote the extension name, e.g. exts."omni.services.transport.server.http".port`);
  }
  return undefined;
}

// Kit's http server has settings of its own, beyond the documented ones in other Kit
// versions maybe: only a near miss of a key we read (prt, hots) stops start-up.
function unknownHttpKey(path: string, where: string, key: string): UnknownKey | undefined {
  if (KIT_HTTP_KEYS.includes(key)) return undefined;
  const guess = closest(key, [...HTTP_KEYS, ...KIT_HTTP_KEYS])!;
  const typoOfOurs = HTTP_KEYS.includes(guess) && isTypo(key, guess);
  if (typoOfOurs) return fatal(didYouMean(path, where, HTTP_EXT_PREFIX + guess));
  return { message: `${didYouMean(path, where, HTTP_EXT_PREFIX + guess)} It is ignored.`, fatal: false };
}

// Settings written for the extension's name before 8.0: ignored by Kit 108 and by us, which
// is how a resume window silently stays at its default. Not fatal: an image may carry both.
// Only a key that is (nearly) one of ours is judged: that extension had others of its own.
function predecessorKey(path: string, where: string, key: string): UnknownKey | undefined {
  const guess = closest(key, SESSION_KEYS)!;
  const meant = LEGACY_KEYS.get(key) ?? (isTypo(key, guess) ? SESSION_EXT_PREFIX + guess : undefined);
  if (meant === undefined) return undefined;
  return {
    message: `Setting /${path}${where} is not read: omni.services.livestream.nvcf is named omni.services.livestream.session since 8.0; did you mean /${meant}?`,
    fatal: false,
  };
}

/** An environment variable that is not a setting's, though it has our prefix: a typo. */
export function unknownEnv(name: string): string | undefined {
  if (!name.startsWith(ENV_PREFIX) || ENV_NAMES.includes(name) || ENV_NOT_SETTINGS.includes(name)) return undefined;
  return `Unknown environment variable ${name}; did you mean ${closest(name, ENV_NAMES)}?`;
}

function isTypo(word: string, known: string): boolean {
  return editDistance(word.toLowerCase(), known.toLowerCase()) <= TYPO_DISTANCE;
}
