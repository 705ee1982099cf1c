// npm run test:package: the npm package as a user gets it. Packs this checkout (`npm pack`,
// whose prepack builds dist/), installs the tarball into an empty project in a temporary
// folder, and runs there what the docs tell a package user to run:
//   1. the install: no install-script warning about livestream-session itself;
//   2. every shipped source map resolves (its sources are inside it);
//   3. the library example (README "As a library"): createSessionService(), the Kit events on
//      its bus, readiness 200 over HTTP, and the typed client from livestream-session/client
//      ending the session, after which the service quits with exit code 0;
//   4. `npx livestream-session --simulate`: GET /v1/streaming/ready answers 200, Ctrl-C (SIGINT
//      to the group) ends every process; the installed command run directly: SIGTERM → exit 0;
//   5. the supervisor with the shipped example app:
//      `npx livestream-session -- node node_modules/livestream-session/examples/node-app/app.mjs`,
//      ready 200, a graceful endsession, exit 0.
// Prints each step; stops at the first failure with what it saw, exit code 1.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (message) => process.stdout.write(`test-package: ${message}\n`);
const started = Date.now();
const folder = mkdtempSync(join(tmpdir(), 'livestream-session-package-'));
const project = join(folder, 'project');
const running = new Set();

try {
  // 1. Pack and install.
  say('npm pack (prepack builds dist/)');
  const packed = npm(['pack', '--json', '--pack-destination', folder], root);
  const tarball = join(folder, JSON.parse(packed.stdout)[0].filename);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'package-user', version: '1.0.0', private: true, type: 'module' }));
  say(`npm install ${tarball} into an empty project`);
  const installed = npm(['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
  const warnings = (installed.stdout + installed.stderr).split('\n').filter((line) => /livestream-session@/.test(line) && /warn/i.test(line));
  if (warnings.length > 0) throw new Error(`npm warned about the package itself on install:\n${warnings.join('\n')}`);
  say('installed, with no warning about the package itself');

  // 2. Source maps.
  const shipped = join(project, 'node_modules', 'livestream-session');
  const maps = listFiles(shipped).filter((file) => file.endsWith('.js.map'));
  if (maps.length === 0) say('no source maps shipped');
  for (const file of maps) {
    const map = JSON.parse(readFileSync(file, 'utf8'));
    const missing = map.sources.filter((_, i) => typeof map.sourcesContent?.[i] !== 'string');
    if (missing.length > 0) throw new Error(`${file} names sources that are not in the package: ${missing.join(', ')}`);
  }
  say(`${maps.length} source maps, each carrying its sources`);

  // 3. The library and the client, as the README shows them.
  const port = await freePort();
  writeFileSync(
    join(project, 'library.mjs'),
    `import { createSessionService, SESSION_ENDED_EVENT, SESSION_READY_EVENT } from 'livestream-session';
import { createClient, checkReady, endSession } from 'livestream-session/client';

const service = createSessionService({ settings: { waitForSessionReadyEvent: true } });
await service.listen({ port: ${port}, host: '127.0.0.1' });
service.bus.emit('omni.kit.app.GLOBAL_EVENT_APP_READY');
service.bus.emit('omni.usd.StageRenderingEventType.NEW_FRAME');
service.bus.emit(SESSION_READY_EVENT);
service.bus.on(SESSION_ENDED_EVENT, ({ cause }) => console.log('session ended:', cause));
console.log('readiness():', JSON.stringify(service.readiness()));

const client = createClient({ baseUrl: 'http://127.0.0.1:${port}' });
const ready = await checkReady({ client });
console.log('checkReady:', ready.response.status, JSON.stringify(ready.data));
const ended = await endSession({ client, body: { sessionId: 'abc', gracefulShutdown: true } });
console.log('endSession:', ended.response.status, JSON.stringify(ended.data));
`,
  );
  say('node library.mjs (createSessionService() and livestream-session/client)');
  const library = await run(process.execPath, ['library.mjs'], { timeoutMs: 30_000 });
  expect(library.code === 0, 'library.mjs exits 0 once the session has ended', library);
  for (const line of [
    'readiness(): {"httpStatus":200,"statusMessage":"Status: Ready for connection","reason":"READY_FOR_CONNECTION"}',
    'checkReady: 200 {"statusMessage":"Status: Ready for connection","reason":"READY_FOR_CONNECTION"}',
    'endSession: 200 {"sessionStatus":"COMPLETE"}',
  ]) {
    expect(library.stdout.includes(line), `library.mjs printed ${line}`, library);
  }
  say('the library served readiness 200 and the client ended the session: exit 0');

  // 4. `npx livestream-session --simulate`, stopped as a terminal's Ctrl-C does (SIGINT to the
  // whole foreground process group: npx passes no signal on to the command it runs); then the
  // installed command run directly, as a process manager would, stopped with SIGTERM.
  const simulatePort = await freePort();
  say(`npx livestream-session --simulate (port ${simulatePort})`);
  const simulated = start('npx', ['livestream-session', '--simulate'], { LIVESTREAM_SESSION_PORT: String(simulatePort) });
  await readyOn(simulatePort, simulated);
  process.kill(-simulated.child.pid, 'SIGINT');
  await within(simulated.exited, 15_000, 'npx livestream-session to exit after Ctrl-C', simulated);
  await groupGone(simulated.child.pid, simulated);
  expect(simulated.output.stderr.includes('livestream-session: SIGINT, closing'), 'the service closed on SIGINT', simulated.output);
  say('GET /v1/streaming/ready answered 200; Ctrl-C: the service closed and no process of the group is left');
  const directPort = await freePort();
  say(`node_modules/.bin/livestream-session --simulate (port ${directPort})`);
  const direct = start('node_modules/.bin/livestream-session', ['--simulate'], { LIVESTREAM_SESSION_PORT: String(directPort) });
  await readyOn(directPort, direct);
  direct.child.kill('SIGTERM');
  const stopped = await within(direct.exited, 15_000, 'livestream-session to exit after SIGTERM', direct);
  expect(stopped.code === 0, 'livestream-session --simulate exits 0 on SIGTERM', { ...stopped, ...direct.output });
  say('GET /v1/streaming/ready answered 200; SIGTERM: exit 0');

  // 5. The supervisor with the shipped example app, as the docs write it.
  const supervisorPort = await freePort();
  const app = 'node_modules/livestream-session/examples/node-app/app.mjs';
  say(`npx livestream-session -- node ${app} (port ${supervisorPort})`);
  const supervised = start('npx', ['livestream-session', '--', 'node', app], { LIVESTREAM_SESSION_PORT: String(supervisorPort) });
  await readyOn(supervisorPort, supervised);
  const end = await fetch(`http://127.0.0.1:${supervisorPort}/v1/streaming/endsession`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId: 'package-test', gracefulShutdown: true }),
  });
  expect(end.status === 200, `endsession answers 200 (got ${end.status})`, supervised.output);
  const ending = await within(supervised.exited, 30_000, 'the supervisor to exit after the session ended', supervised);
  expect(ending.code === 0, 'the supervisor exits 0 once the session has ended', { ...ending, ...supervised.output });
  expect(supervised.output.stdout.includes('node-app: session ended'), 'the example app saw the session end', supervised.output);
  say('the example app reached ready under the supervisor; a graceful endsession: exit 0');
  say(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  process.stderr.write(`test-package: FAILED: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  for (const child of running) killGroup(child);
  rmSync(folder, { recursive: true, force: true });
}

/** Runs npm to the end; throws with its output unless it exits 0. */
function npm(args, cwd) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Starts a command in the project, in its own process group; collects its output. */
function start(command, args, env = {}) {
  const child = spawn(command, args, { cwd: project, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output.stderr += chunk));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => (running.delete(child), resolve({ code, signal }))));
  return { child, output, exited };
}

async function run(command, args, { timeoutMs }) {
  const started = start(command, args);
  const result = await within(started.exited, timeoutMs, `${command} ${args.join(' ')} to exit`, started);
  return { ...result, ...started.output };
}

/** Polls GET /v1/streaming/ready on the port until 200; fails if the process exits or 30 s pass. */
async function readyOn(port, process_) {
  const deadline = Date.now() + 30_000;
  let last = 'no answer';
  let gone = false;
  void process_.exited.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/streaming/ready`);
      last = `${response.status} ${await response.text()}`;
      if (response.status === 200) return;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`GET /v1/streaming/ready never answered 200 (last: ${last}; exited: ${gone})\n${show(process_.output)}`);
}

function within(promise, ms, what, process_) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}\n${show(process_.output)}`)), ms))),
  ]);
}

function expect(ok, what, seen) {
  if (!ok) throw new Error(`expected ${what}\n${show(seen)}`);
}

function show(seen) {
  return Object.entries(seen ?? {}).map(([key, value]) => `--- ${key}:\n${value}`).join('\n');
}

/** Waits until no process of the group is left (npx and the command it ran). */
async function groupGone(pgid, process_) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`processes of group ${pgid} still run 15 s after Ctrl-C\n${show(process_.output)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.name === 'node_modules' ? [] : entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
