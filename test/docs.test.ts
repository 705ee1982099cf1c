// The docs are tested as a reader would use them: every relative link and #anchor resolves,
// and every shell command they show is run here against the real service, or named with the
// test that runs it, or said not to be against the service. A command none of these rules
// knows fails the run, so a new command in the docs needs a way to be run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from './support/process.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');
const mdIn = (dir: string) => (statSync(join(ROOT, dir)).isDirectory() ? readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.md')).map((f) => `${dir}/${f}`) : []);

/** Pages whose shell commands are run. */
const COMMAND_PAGES = ['README.md', ...mdIn('docs')];
/** Pages whose links are resolved. */
const LINK_PAGES = [
  ...COMMAND_PAGES,
  ...['ARCHITECTURE.md', 'CONTRIBUTING.md'].filter((p) => existsSync(join(ROOT, p))),
  ...readdirSync(join(ROOT, 'examples')).flatMap((d) => mdIn(`examples/${d}`)),
];

// ---------------------------------------------------------------- links and anchors

/** GitHub's heading anchor: lower case, punctuation but - and _ dropped, spaces to -. */
export function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Outside fenced code: markdown there is not markdown. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```$/gm, '');
}

export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(heading!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Every relative link of `markdown` (a page at `page`) that does not resolve, with why. */
export function brokenLinks(page: string, markdown: string, readPage: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (/^[a-z][a-z+.-]*:/i.test(target!)) continue; // http:, https:, mailto:
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
    const content = readPage(file);
    if (content === undefined) {
      problems.push(`${page}: ${target} names ${file}, which does not exist`);
      continue;
    }
    if (anchor !== undefined && !anchors(content).has(anchor)) problems.push(`${page}: ${target} names #${anchor}, which ${file} has no heading for`);
  }
  return problems;
}

const STOP_WORDS = new Set(['the', 'a', 'an', 'of', 'for', 'and', 'to', 'in', 'on', 'with', 'your', 'it']);
const words = (text: string) => slug(text).split(/[-_]/).filter((w) => w !== '' && !STOP_WORDS.has(w));

/** Links to a #section whose text shares no word with that section's name: a reader is sent somewhere else than promised. */
export function mislabelledLinks(page: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const [, label, anchor] of prose(markdown).matchAll(/\[([^\]]+)\]\([^)\s#]*#([^)\s]+)\)/g)) {
    const anchorWords = new Set(anchor!.split(/[-_]/));
    if (!words(label!).some((w) => anchorWords.has(w))) problems.push(`${page}: [${label}] links to #${anchor}`);
  }
  return problems;
}

/** A list item right after a paragraph line: a bullet that belongs to no list. */
export function orphanBullets(page: string, markdown: string): string[] {
  const lines = prose(markdown).split('\n');
  return lines.flatMap((line, i) => {
    const before = lines[i - 1];
    const fine = before === undefined || before.trim() === '' || /^\s/.test(before) || /^([-*] |#|\|)/.test(before) || /:$/.test(before);
    return /^[-*] /.test(line) && !fine ? [`${page}: "${line.slice(0, 60)}" follows "${before!.slice(0, 60)}"`] : [];
  });
}

/** A page as the link checker reads it: its text, '' for a folder, undefined when missing. */
function readFromCheckout(path: string): string | undefined {
  const full = join(ROOT, path);
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
}

describe('the links of the docs', () => {
  it('are found on every page', () => {
    for (const page of LINK_PAGES) expect(read(page), page).toBeTypeOf('string');
    expect(LINK_PAGES).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/settings.md', 'ARCHITECTURE.md', 'examples/webrtc-app/README.md']));
  });

  it.each(LINK_PAGES)('resolve, files and #anchors alike, in %s', (page) => {
    expect(brokenLinks(page, read(page), readFromCheckout)).toEqual([]);
  });

  it('fail on a missing file, a missing anchor and a missing anchor of the page itself', () => {
    const pages: Record<string, string> = { 'docs/a.md': '# A\n\n## Set-up, step 1\n', 'README.md': '# R\n' };
    const page = ['[ok](a.md#set-up-step-1)', '[gone](b.md)', '[no anchor](a.md#setup)', '[here](#nowhere)', '[up](../README.md#r)'].join('\n');
    expect(brokenLinks('docs/c.md', `# C\n${page}`, (p) => (p === 'docs/c.md' ? `# C\n${page}` : pages[p]))).toEqual([
      'docs/c.md: b.md names docs/b.md, which does not exist',
      'docs/c.md: a.md#setup names #setup, which docs/a.md has no heading for',
      'docs/c.md: #nowhere names #nowhere, which docs/c.md has no heading for',
    ]);
  });

  it.each(LINK_PAGES)('say where they lead, and no bullet stands alone, in %s', (page) => {
    expect(mislabelledLinks(page, read(page))).toEqual([]);
    expect(orphanBullets(page, read(page))).toEqual([]);
  });

  it('fail on a link whose text names another section, and on a bullet that belongs to no list', () => {
    expect(mislabelledLinks('README.md', 'unset (see [Supervisor](#readiness-without-code-changes))')).toEqual(['README.md: [Supervisor] links to #readiness-without-code-changes']);
    expect(mislabelledLinks('README.md', 'see [readiness rules](#readiness-without-code-changes)')).toEqual([]);
    expect(orphanBullets('README.md', 'gets a JSON 4xx for each.\n- CI (`.ci/run`) then runs the suites\n')).toEqual(['README.md: "- CI (`.ci/run`) then runs the suites" follows "gets a JSON 4xx for each."']);
    expect(orphanBullets('README.md', 'Who uses it:\n\n- operators\n- authors,\n  who report\n- more\n')).toEqual([]);
  });

  it("make anchors as GitHub does: lower case, punctuation dropped but - and _, spaces to -, repeats numbered", () => {
    expect(slug('The local event API (for the streaming app)')).toBe('the-local-event-api-for-the-streaming-app');
    expect(slug('`quitOnSessionEnded`')).toBe('quitonsessionended');
    expect(slug("A real session's figures")).toBe('a-real-sessions-figures');
    expect(slug('snake_case and-dash')).toBe('snake_case-and-dash');
    expect([...anchors('## Set-up\n```sh\n# not a heading\n```\n## Set-up\n')]).toEqual(['set-up', 'set-up-1']);
  });
});

// ---------------------------------------------------------------- shell commands

interface Block {
  page: string;
  text: string;
  /** Its logical lines: continuations joined, comments and blank lines dropped. */
  lines: string[];
}

function shellBlocks(page: string): Block[] {
  return [...read(page).matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => ({
    page,
    text: m[1]!,
    lines: m[1]!
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')),
  }));
}

const BLOCKS = COMMAND_PAGES.flatMap(shellBlocks);

/** The commands a block runs: `$ ` lines when it shows a session with output, else every line. */
function commandsOf(block: Block): string[] {
  const prompted = block.lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
  return prompted.length > 0 ? prompted : block.lines;
}

type Way =
  | { kind: 'start' }
  | { kind: 'call' }
  | { kind: 'demo' }
  | { kind: 'elsewhere'; test: string; runs: string }
  | { kind: 'not against the service'; why: string };

/** How each command shown is exercised; the first rule whose pattern matches wins. */
const RULES: Array<{ command: RegExp; way: Way }> = [
  { command: /^npm start -s -- check http:\/\/127\.0\.0\.1:8011$/, way: { kind: 'elsewhere', test: 'test/e2e/check.test.ts', runs: "['check', " } },
  { command: /^npm start -- check /, way: { kind: 'elsewhere', test: 'test/e2e/check.test.ts', runs: "'--run', '--'" } },
  { command: /^npm start -- -- node examples\/webrtc-app\/app\.mjs$/, way: { kind: 'elsewhere', test: 'test/webrtc/session.test.ts', runs: 'examples/webrtc-app/app.mjs' } },
  { command: /^(?:npm ci && )?(?:[A-Z_]+=\S+ )*npm start(?: |$)/, way: { kind: 'start' } },
  { command: /^(?:[A-Z]+=\S+$|[A-Z]+=\$\(cat \S+\)$|curl )/, way: { kind: 'call' } },
  { command: /^npm ci && npm run demo$/, way: { kind: 'demo' } },
  { command: /^npm run soak(?: |$)/, way: { kind: 'elsewhere', test: 'test/soak/soak.test.ts', runs: 'scripts/soak.mjs' } },
  { command: /^npm ci(?: |$)/, way: { kind: 'not against the service', why: 'installs the checkout; every test runs after it' } },
  { command: /^npm (?:test|run test:contract)(?: |$)/, way: { kind: 'not against the service', why: 'runs the test suites themselves (.ci/run runs npm test)' } },
  { command: /^(?:docker|podman) build /, way: { kind: 'elsewhere', test: 'scripts/test-image.mjs', runs: "engineCall(['build'" } },
  { command: /^(?:docker|podman) run /, way: { kind: 'elsewhere', test: 'scripts/test-image.mjs', runs: "['run', '-d', '--name', name, '--stop-timeout'" } },
  { command: /^npm install livestream-session$/, way: { kind: 'elsewhere', test: 'scripts/test-package.mjs', runs: "npm(['install'" } },
  { command: /^npx livestream-session --simulate\b/, way: { kind: 'elsewhere', test: 'scripts/test-package.mjs', runs: "start('npx', ['livestream-session', '--simulate']" } },
  { command: /^npx livestream-session -- node node_modules\/livestream-session\/examples\/node-app\/app\.mjs$/, way: { kind: 'elsewhere', test: 'scripts/test-package.mjs', runs: "'node_modules/livestream-session/examples/node-app/app.mjs'" } },
  { command: /^(?:[A-Z_]+=\S+ )*node examples\/webhook-receiver\.mjs$/, way: { kind: 'elsewhere', test: 'test/webhooks/example.test.ts', runs: 'examples/webhook-receiver.mjs' } },
  { command: /^echo "whsec_\$\(head -c 32 \/dev\/urandom \| base64\)"$/, way: { kind: 'not against the service', why: 'prints a new signing secret' } },
  { command: /^kubectl /, way: { kind: 'not against the service', why: 'needs a cluster; test/deploy.test.ts checks the manifests it applies against their schemas' } },
];

function wayOf(command: string): Way | undefined {
  return RULES.find((r) => r.command.test(command))?.way;
}

/**
 * What runs against a service: each start command alone, and each call block against a fresh
 * service started by the start command nearest above it on its page (plain `npm start` if none).
 */
interface Run {
  page: string;
  start: string | undefined;
  calls: Block[];
}

function sessions(): Run[] {
  const result: Run[] = [];
  for (const page of COMMAND_PAGES) {
    let start: string | undefined;
    for (const block of BLOCKS.filter((b) => b.page === page)) {
      const commands = commandsOf(block);
      const kinds = commands.map((c) => wayOf(c)?.kind);
      if (kinds.every((k) => k === 'call')) result.push({ page, start, calls: [block] });
      for (const command of commands.filter((_, i) => kinds[i] === 'start')) result.push({ page, start: (start = command), calls: [] });
    }
  }
  return result;
}

describe("the docs' shell commands", () => {
  it('are found, and each is run here, run by a test named, or said not to be against the service', () => {
    expect(BLOCKS.length).toBeGreaterThan(10);
    const unknown = BLOCKS.flatMap((b) => commandsOf(b).filter((c) => wayOf(c) === undefined).map((c) => `${b.page}: ${c}`));
    expect(unknown).toEqual([]);
  });

  it.each(RULES.filter((r) => r.way.kind === 'elsewhere').map((r) => [r.command.source, r.way] as const))('%s is run by the test named', (_, way) => {
    if (way.kind !== 'elsewhere') return;
    expect(read(way.test)).toContain(way.runs);
  });

  it('run the command as a fresh clone can, with npm start after npm ci; npx only in text about the installed package', () => {
    // A block of the installed package's commands starts by installing it.
    const packageBlock = (block: Block) => /^npm install livestream-session$/m.test(block.text);
    for (const block of BLOCKS.filter((b) => !packageBlock(b))) expect(block.text, `${block.page}:\n${block.text}`).not.toMatch(/\bnpx livestream-session\b/);
    expect(BLOCKS.some((b) => b.page === 'README.md' && b.text.includes('npm ci && npm start --'))).toBe(true);
    for (const page of LINK_PAGES) {
      const text = prose(read(page));
      for (const m of text.matchAll(/npx livestream-session/g)) {
        // A section on the npm package speaks of the installed package throughout.
        const heading = /^## .*$/m.exec(text.slice(text.lastIndexOf('\n## ', m.index) + 1))?.[0] ?? '';
        if (/npm package/i.test(heading)) continue;
        const sentence = text.slice(Math.max(0, m.index - 160), m.index + 80).replace(/\s+/g, ' ');
        expect(sentence, `${page}: npx livestream-session outside text about the installed package`).toMatch(/installed as a package/i);
      }
    }
    // The README and .ci/run name the set-up and test commands (CI and a hook look for them).
    expect(read('README.md')).toMatch(/^npm test /m);
    expect(read('.ci/run')).toMatch(/^npm ci /m);
  });

  it('set every variable they use before using it', () => {
    for (const block of BLOCKS) {
      for (const use of block.text.matchAll(/\$\{?([A-Za-z_]\w*)/g)) {
        const before = block.text.slice(0, use.index);
        expect(before, `${use[0]} is used but not set in:\n${block.text}`).toMatch(new RegExp(`(^|[\\s;&|(])${use[1]}=`));
      }
    }
  });

  it('are rewritten to what npm would run: npm start is the built CLI, npm run demo the demo script', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`node ${CLI}`);
    expect(scripts.demo).toBe(`npm run build && node ${DEMO}`);
  });
});

const CLI = 'dist/src/main.js';
const DEMO = 'scripts/demo.mjs';
/** The reader's own application in the docs (a Kit app); here, a stand-in that says "app ready" or reports it. */
const READERS_APP = /(?:\.\/kit\/kit my_app\.kit|\.\/my-kit-app\.sh) --no-window/;
const STAND_IN = (command: string) => `node test/fixtures/fake-app.mjs${/When=/.test(command) ? ' --no-api' : ''}`;

/** A process started by these tests, its output kept. */
class Proc {
  output = '';
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
  #waiters: Array<() => void> = [];

  constructor(script: string, env: Record<string, string>, readonly shown: string) {
    this.child = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) stream.on('data', (chunk) => this.#add(String(chunk)));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    void this.exited.then(() => this.#wake());
    started.add(this);
  }

  #add(text: string) {
    this.output += text;
    this.#wake();
  }

  #wake() {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Waits until the output matches; fails if the process exits first. */
  async waitFor(pattern: RegExp): Promise<void> {
    let done = false;
    void this.exited.then(() => (done = true));
    for (;;) {
      if (pattern.test(this.output)) return;
      if (done) throw new Error(`${this.shown}\nexited before its output matched ${pattern}:\n${this.output}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}

const started = new Set<Proc>();
afterEach(() => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  started.clear();
});

/** Where the docs say 8011 or /run/secrets, the test's own port and token file. */
function localise(command: string, port: number, tokenFile: string): string {
  return command
    .replace(/(localhost|127\.0\.0\.1):8011\b/g, `127.0.0.1:${port}`)
    .replace(/port=8011\b/g, `port=${port}`)
    .replace(/\/run\/secrets\/session-token/g, tokenFile);
}

const TOKENS = mkdtempSync(join(tmpdir(), 'docs-token-'));
afterAll(() => rmSync(TOKENS, { recursive: true, force: true }));

function tokenFile(): string {
  const file = join(mkdtempSync(join(TOKENS, 'run-')), 'session-token');
  writeFileSync(file, 'docs-test-token\n');
  return file;
}

/** The service as a start block starts it, on this test's port, once it listens. */
async function startService(start: string | undefined, port: number, token: string): Promise<Proc> {
  const shown = start ?? 'npm start';
  const command = localise(shown, port, token)
    .replace(/^npm ci && /, '')
    // exec: the shell becomes the service, so a signal reaches it.
    .replace(/npm start(?: --)?/, `exec node ${CLI}`)
    .replace(READERS_APP, STAND_IN(shown));
  const service = new Proc(command, { LIVESTREAM_SESSION_PORT: String(port) }, shown);
  await service.waitFor(/"msg":"listening"/);
  return service;
}

async function stop(service: Proc): Promise<void> {
  service.child.kill('SIGTERM');
  expect(await service.exited, `${service.shown}\n${service.output}`).toBe(0);
}

/** Runs one command as a reader would paste it; resolves with what it printed. */
async function run(command: string): Promise<{ code: number | null; output: string }> {
  const proc = new Proc(`set -e\n${command}`, {}, command);
  const code = await proc.exited;
  return { code, output: proc.output };
}

/** The output a `$ ` command is shown with, until the next `$ ` line. */
function shownOutputs(block: Block): Array<{ command: string; output: string }> {
  const result: Array<{ command: string; output: string }> = [];
  for (const line of block.text.replace(/\\\n\s*/g, '').split('\n')) {
    if (line.startsWith('$ ')) result.push({ command: line.slice(2), output: '' });
    else if (result.length > 0) result.at(-1)!.output += `${line}\n`;
  }
  return result.map(({ command, output }) => ({ command, output: output.trim() }));
}

describe("the docs' service commands, run against the service", () => {
  const all = sessions();

  it('are found: every start and every call block', () => {
    expect(all.filter((s) => s.start).length).toBeGreaterThanOrEqual(6);
    expect(all.flatMap((s) => s.calls).length).toBeGreaterThanOrEqual(5);
  });

  const label = ({ page, start, calls }: Run) =>
    `${page}: ${start ? start.replace(/\s+#.*/, '') : 'npm start'}${calls.length > 0 ? `, then ${commandsOf(calls[0]!).join('; ')}` : ''}`;

  it.each(all.map((s) => [label(s), s] as const))(
    '%s',
    async (_, { start, calls }) => {
      const port = await freePort();
      const token = tokenFile();
      const service = await startService(start, port, token);
      // A supervised application becomes ready: from its calls of the event API, or from its output.
      const supervised = start !== undefined && / -- /.test(start.replace(/npm start --/, ''));
      if (supervised) await service.waitFor(/"from":"APP_NOT_READY"[^\n]*"msg":"readiness changed"/);
      for (const block of calls) {
        const shown = shownOutputs(block);
        if (shown.length === 0) {
          // No output shown: the block runs as a whole, and every call must succeed.
          const { code, output } = await run(localise(block.text.replace(/\bcurl -s /g, 'curl --fail-with-body -s '), port, token));
          expect(code, `${block.page}:\n${block.text}\n${output}`).toBe(0);
          continue;
        }
        for (const { command, output: expected } of shown) {
          const local = localise(command, port, token);
          if (/curl -sN /.test(command)) {
            // An event stream does not end: its first event is compared, then it is closed.
            const stream = new Proc(`exec ${local}`, {}, command);
            const first = expected.split('\n\n')[0]!.split('\n').slice(0, 2).join('\n');
            // An event id names its instance, drawn at start-up: any instance matches the one shown.
            const pattern = first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/^id: [0-9a-f]{12}-/, 'id: [0-9a-f]{12}-');
            await stream.waitFor(new RegExp(`^${pattern}\n`));
            stream.child.kill('SIGTERM');
            continue;
          }
          const { code, output } = await run(local);
          expect(code, `${block.page}: ${command}\n${output}`).toBe(0);
          if (/\.\.\.|…/.test(expected)) {
            // Abbreviated: every field shown is there.
            const fields = [...expected.matchAll(/"(\w+)":/g)].map((m) => m[1]);
            expect(fieldNames(JSON.parse(output)), `${block.page}: ${command}`).toEqual(expect.arrayContaining(fields));
          } else {
            expect(output.trim(), `${block.page}: ${command}`).toBe(expected);
          }
        }
      }
      if (service.child.exitCode === null) await stop(service);
      else expect(service.child.exitCode, `${service.shown}\n${service.output}`).toBe(0);
    },
    60_000,
  );

  it.each(COMMAND_PAGES.flatMap((page) => [...read(page).matchAll(/^```toml\n([\s\S]*?)^```$/gm)].map((m) => [page, m[1]!] as const)))(
    'the .kit file shown in %s starts the service with --config, without a warning',
    async (_, kit) => {
      const file = join(mkdtempSync(join(TOKENS, 'kit-')), 'app.kit');
      writeFileSync(file, kit);
      const service = new Proc(`exec node ${CLI} --config ${file}`, { LIVESTREAM_SESSION_PORT: String(await freePort()) }, `--config ${file}`);
      await service.waitFor(/"msg":"listening"/);
      expect(service.output).not.toMatch(/"level":40/);
      await stop(service);
    },
  );

  it('npm run demo: a session with a TURN relay and the WebRTC example, ended by Ctrl-C', async () => {
    const demo = BLOCKS.find((b) => commandsOf(b).some((c) => wayOf(c)?.kind === 'demo'));
    expect(demo?.page).toBe('README.md');
    const [servicePort, appPort] = [await freePort(), await freePort()];
    const proc = new Proc(`exec node ${DEMO}`, { LIVESTREAM_SESSION_PORT: String(servicePort), WEBRTC_APP_PORT: String(appPort) }, 'npm run demo');
    await proc.waitFor(new RegExp(`demo: the session is ready: open http://127\\.0\\.0\\.1:${appPort}/ to watch; Ctrl-C ends the session`));
    proc.child.kill('SIGINT');
    expect(await proc.exited, proc.output).toBe(0);
    expect(proc.output).toContain('endsession answered COMPLETE');
  }, 120_000);
});

/** Every field name of a JSON value, at any depth. */
function fieldNames(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...fieldNames(v)]);
}
