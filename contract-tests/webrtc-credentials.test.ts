/**
 * Credentials are accepted if and only if a browser accepts them: each body of a corpus
 * (chosen cases, then fast-check's) is posted to the running service through the generated
 * client and, as the ICE configuration `iceConfiguration()` makes of it, fed to
 * `new RTCPeerConnection()` in headless Chromium. Every case must get the same verdict from both.
 *
 * The service has one rule of its own beyond the constructor's: `transportPolicy: RELAY` needs
 * a TURN URI (Chromium builds a relay-only connection without one, which never connects); and it
 * checks the TURN URIs under `DIRECT` too, which the configuration leaves out. So Chromium is
 * asked about the configuration with every URI (`DIRECT` read as `ALL`), and about the real one.
 */
import fc from 'fast-check';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCredentials } from '../generated/sdk.gen.js';
import type { StreamingCredentials } from '../generated/types.gen.js';
import { iceConfiguration, type IceConfiguration } from '../src/webrtc/ice-configuration.js';
import { CHROMIUM_TIMEOUT, launchChromium } from './support/chromium.js';
import { SEED_CREDENTIALS, startService, stopServices, type RunningService } from '../test/support/service.js';

type Body = Omit<StreamingCredentials, 'turnDetails'> & { turnDetails?: Record<string, unknown> & { uris: string[] } };

const CASES = Number(process.env.WEBRTC_CORPUS_CASES ?? 400);
const BATCH = 200;
const POSTS_AT_ONCE = 20;
const SEED = Number(process.env.WEBRTC_CORPUS_SEED ?? Date.now() % 2 ** 31);

// The parts a URI is made of, wrong ones among them; the chosen cases are those Chromium 156
// was seen to decide one way or the other.
// Each part is mostly one a browser takes, so that whole bodies land on both sides of the line.
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: bad });
const schemes = mostly(fc.constantFrom('stun', 'stuns', 'turn', 'turns', 'TURN', 'Stun', 'TurnS', ' turn'), fc.constantFrom('http', 'tur', 'turnx', ''));
const hostChars = fc.constantFrom(...'abz09-._~%!$&()*+,;=_ü @#/\\[]:?<>^|`{}"\t'.split(''));
const hosts = mostly(
  fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.constantFrom('turn_server.local', 'h', 'ü.example', '-bad', 'h.', '999.1.1.1', '[a:b]', '%zz', '[::1]x')),
  fc.oneof(
    fc.ipV6(),
    fc.constantFrom('[::1', '[]', 'u@h', '//h', 'a b', 'h#f', ''),
    fc.string({ unit: hostChars, minLength: 1, maxLength: 12 }),
    fc.integer({ min: 250, max: 1100 }).map((n) => 'a'.repeat(n)),
  ),
);
const ports = mostly(
  fc.integer({ min: 1, max: 65535 }).map(String),
  fc.constantFrom('0', '65535', '65536', '00080', '+1', '-1', '', 'x', '99999999999999', '3478:'),
);
const queries = mostly(
  fc.constantFrom('transport=udp', 'transport=tcp', 'transport=UDP', 'transport=Tcp', 'transport=udp?x', 'transport=udp=x'),
  fc.constantFrom('transport=tls', 'transport=ssltcp', 'transport=', 'transport', 'Transport=udp', 'foo=bar', '', 'transport=udp&x=1', '=transport=udp', 'transport=u dp'),
);
const uris = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(schemes, hosts, fc.option(ports), fc.option(queries, { freq: 3 })).map(([s, h, p, q]) => `${s}:${h}${p === null ? '' : `:${p}`}${q === null ? '' : `?${q}`}`) },
  { weight: 1, arbitrary: fc.constantFrom('turn:h', 'turns:h:443?transport=tcp', 'stun:h:3478', 'turn:[::1]:3478?transport=udp') },
);
const usernames = mostly(
  fc.oneof(fc.string({ minLength: 1, maxLength: 16 }), fc.integer({ min: 500, max: 509 }).map((n) => 'x'.repeat(n))),
  fc.oneof(
    fc.constant(''),
    fc.integer({ min: 505, max: 520 }).map((n) => 'x'.repeat(n)),
    fc.integer({ min: 250, max: 260 }).map((n) => 'ü'.repeat(n)),
    fc.string({ unit: 'grapheme', minLength: 160, maxLength: 260 }),
  ),
);
const passwords = mostly(fc.oneof(fc.string({ minLength: 1, maxLength: 16 }), fc.integer({ min: 1000, max: 5000 }).map((n) => 'p'.repeat(n))), fc.constant(''));
const turnDetails = fc.record(
  {
    username: usernames,
    password: passwords,
    uris: fc.array(uris, { minLength: 1, maxLength: 2 }),
    relayProtocol: fc.constantFrom('UDP', 'TCP', 'TLS'),
    transportPolicy: fc.constantFrom('ALL', 'RELAY', 'DIRECT'),
  },
  { requiredKeys: ['uris', 'username', 'password'] },
).chain((details) => {
  const without = (key: 'username' | 'password') => fc.constant(Object.fromEntries(Object.entries(details).filter(([k]) => k !== key)) as typeof details);
  return mostly(fc.constant(details), fc.oneof(without('username'), without('password')));
});
const bodies: fc.Arbitrary<Body> = fc.record(
  {
    stunIp: fc.oneof({ weight: 6, arbitrary: hosts }, fc.constantFrom('stun.example.com:3478', 'stun:stun.example.com', '2001:db8::1')),
    stunPort: mostly(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, 65536)),
    username: fc.string({ maxLength: 8 }),
    password: fc.string({ maxLength: 8 }),
    turnDetails,
  },
  { requiredKeys: ['stunIp', 'stunPort', 'username', 'password'] },
);

const seedTurn = SEED_CREDENTIALS.turnDetails!;
const withUris = (...u: string[]): Body => ({ ...SEED_CREDENTIALS, turnDetails: { ...seedTurn, uris: u } });
const withUsername = (username: string): Body => ({ ...SEED_CREDENTIALS, turnDetails: { ...seedTurn, username } });
const CHOSEN: Body[] = [
  SEED_CREDENTIALS as Body,
  withUris('TURN:192.0.2.1:3478'),
  withUris('turn:192.0.2.1:3478?transport=UDP'),
  withUris('turn:turn_server.local:3478'),
  withUsername('x'.repeat(509)),
  withUsername('x'.repeat(510)),
  withUsername('ü'.repeat(300)),
  { ...SEED_CREDENTIALS, turnDetails: { uris: ['turn:h'] } },
  { ...SEED_CREDENTIALS, turnDetails: { uris: ['stun:h'] } },
  { ...SEED_CREDENTIALS, turnDetails: { ...seedTurn, uris: ['stun:h'], username: 'x'.repeat(600) } },
  { ...SEED_CREDENTIALS, turnDetails: { ...seedTurn, uris: ['turn:h:99999'], transportPolicy: 'DIRECT' } },
  { ...SEED_CREDENTIALS, turnDetails: { ...seedTurn, uris: ['stun:h'], transportPolicy: 'RELAY' } },
];

/** The configuration with every URI the body has: DIRECT read as ALL. */
function everyUri(body: Body): IceConfiguration {
  const policy = body.turnDetails?.transportPolicy === 'DIRECT' ? { transportPolicy: 'ALL' } : {};
  return iceConfiguration({ ...body, turnDetails: body.turnDetails && { ...body.turnDetails, ...policy } } as StreamingCredentials);
}

/** The test's own reading: does a URI start with turn: or turns:, spaces and case aside? */
const looksTurn = (uri: string) => /^[\x00-\x20]*turns?:/i.test(uri.replace(/[\t\n\r]/g, ''));

/**
 * Chromium's verdict on each configuration: 'ok' or the exception's name and message. A page
 * holds at most a few hundred peer connections, closed ones too until they are collected, so
 * the configurations go in batches, each in a fresh page.
 */
async function chromiumVerdicts(configurations: IceConfiguration[]): Promise<string[]> {
  const verdicts: string[] = [];
  for (let start = 0; start < configurations.length; start += BATCH) {
    const page = await browser.newPage();
    verdicts.push(...(await page.evaluate((batch) => batch.map((configuration) => {
      try {
        new RTCPeerConnection(configuration).close();
        return 'ok';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message.replace("Failed to construct 'RTCPeerConnection': ", '')}`;
      }
    }), configurations.slice(start, start + BATCH))));
    await page.close();
  }
  return verdicts;
}

/** The verdicts for lists of configurations, asking Chromium once about each distinct one. */
async function chromiumVerdictsOf(lists: IceConfiguration[][]): Promise<string[][]> {
  const distinct = [...new Set(lists.flat().map((c) => JSON.stringify(c)))];
  const verdicts = await chromiumVerdicts(distinct.map((text) => JSON.parse(text) as IceConfiguration));
  const byText = new Map(distinct.map((text, i) => [text, verdicts[i]!]));
  return lists.map((list) => list.map((c) => byText.get(JSON.stringify(c))!));
}

const FIELD_PATH = /^\/body\/(stunIp|stunPort|username|password|turnDetails(\/(username|password|transportPolicy|uris(\/\d+)?))?)$/;

function summary(body: Body): string {
  const t = body.turnDetails;
  const cut = (s: unknown) => {
    const text = JSON.stringify(s) ?? 'absent';
    return text.length > 40 ? `${text.slice(0, 30)}…(${String(s).length})` : text;
  };
  const turn = t ? ` uris=${cut(t.uris)} user=${cut(t.username)} pass=${cut(t.password)} policy=${t.transportPolicy ?? '-'}` : '';
  return `stun=${cut(body.stunIp)}:${body.stunPort}${turn}`;
}

let browser: Browser;
let running: RunningService;

beforeAll(async () => {
  running = await startService();
  browser = await launchChromium();
}, CHROMIUM_TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopServices();
}, CHROMIUM_TIMEOUT);

describe('credentials, as Chromium takes them', () => {
  it(
    'accepts a credentials body if and only if RTCPeerConnection accepts its ICE configuration, and names the field when not',
    async () => {
      const corpus = [...CHOSEN, ...fc.sample(bodies, { numRuns: CASES, seed: SEED })];
      const [withEvery, asMade] = await chromiumVerdictsOf([corpus.map(everyUri), corpus.map((b) => iceConfiguration(b as StreamingCredentials))]);
      const rows: string[] = [];
      const disagreements: string[] = [];
      const counts = new Map<string, number>();
      const answers = [];
      for (let start = 0; start < corpus.length; start += POSTS_AT_ONCE) {
        const batch = corpus.slice(start, start + POSTS_AT_ONCE).map((body) => setCredentials({ client: running.client, body: body as StreamingCredentials }));
        answers.push(...(await Promise.all(batch)));
      }
      for (const [i, body] of corpus.entries()) {
        const { response, error } = answers[i]!;
        const relayWithoutTurn = body.turnDetails?.transportPolicy === 'RELAY' && !body.turnDetails.uris.some(looksTurn);
        const browserTakes = withEvery[i] === 'ok' && !relayWithoutTurn;
        const serviceTakes = response.status === 200;
        const rejection = error as { code?: string; errors?: { path: string }[]; errorMessage?: string } | undefined;
        const namesField = serviceTakes || (response.status === 400 && rejection?.code === 'VALIDATION_FAILED' && (rejection.errors ?? []).length > 0 && rejection.errors!.every((e) => FIELD_PATH.test(e.path)));
        const verdict = browserTakes ? 'accept' : 'refuse';
        counts.set(verdict, (counts.get(verdict) ?? 0) + 1);
        const why = browserTakes ? '' : relayWithoutTurn && withEvery[i] === 'ok' ? 'RELAY without a TURN URI' : withEvery[i]!;
        rows.push(`${String(i).padStart(3)} ${verdict} ${response.status} ${summary(body)}${why ? `  [${why.replace(/^\w+Error: (ICE server parsing failed: )?/, '').slice(0, 48)}]` : ''}`);
        if (browserTakes !== serviceTakes) disagreements.push(`case ${i}: Chromium ${verdict}s (${why || 'ok'}), the service answers ${response.status} ${rejection?.errorMessage ?? ''}: ${JSON.stringify(body).slice(0, 300)}`);
        else if (!namesField) disagreements.push(`case ${i}: refused without naming a field: ${JSON.stringify(error)}`);
        else if (serviceTakes && asMade[i] !== 'ok') disagreements.push(`case ${i}: accepted, but Chromium refuses the configuration as made: ${asMade[i]}`);
      }
      console.log(
        [
          `webrtc credentials corpus: ${corpus.length} cases (${CHOSEN.length} chosen, ${CASES} from fast-check seed ${SEED}); ` +
            `${[...counts].map(([verdict, n]) => `${n} to ${verdict}`).join(', ')} by Chromium`,
          ...rows,
        ].join('\n'),
      );
      expect(disagreements).toEqual([]);
      // The corpus must reach both sides of the line, or it proves nothing.
      expect(counts.get('accept')).toBeGreaterThan(corpus.length / 10);
      expect(counts.get('refuse')).toBeGreaterThan(corpus.length / 10);
    },
    CHROMIUM_TIMEOUT + CASES * 250,
  );
});
