// Runs Dredd (contract-tests/dredd.yml) against the real CLI started for the run, and
// fails on any failing transaction, any error, or any skip not named in dredd-skips.cjs.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { freePort } from '../scripts/free-port.mjs';

const require = createRequire(import.meta.url);
const { ACCESS_TOKEN } = require('./dredd-token.cjs');
const Dredd = require('dredd');
const namedSkips = require('./dredd-skips.cjs');


/**
 * One start-up probe on a connection of its own: a kept-alive socket left in fetch's pool
 * could be reused by the hooks just as the service closes it for idleness (ECONNRESET).
 */
function startupOk(port) {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/v1/streaming/startup', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on('error', () => resolve(false));
  });
}

async function startService(port) {
  const child = spawn(process.execPath, [
    'dist/src/main.js',
    `--/exts/omni.services.transport.server.http/port=${port}`,
    '--/exts/omni.services.transport.server.http/host=127.0.0.1',
    // Dredd ends sessions on purpose: the service must outlive them.
    '--/exts/omni.services.livestream.session/quitOnSessionEnded=false',
    // One stream at a time, so that the 429 transaction can reach the bound.
    '--/exts/omni.services.livestream.session/maxEventStreams=1',
  ], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // With a token, so that the 401 transactions can run; the hooks send it everywhere else.
    env: { ...process.env, LOG_LEVEL: 'warn', LIVESTREAM_SESSION_ACCESS_TOKEN: ACCESS_TOKEN },
  });
  let exited = false;
  child.on('exit', () => { exited = true; });
  // However this run ends, the service it started ends with it.
  process.on('exit', () => child.kill('SIGKILL'));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));
  // Ready to test once the start-up probe answers (as an orchestrator would see it).
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && !exited;) {
    const ok = await startupOk(port);
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(exited ? 'the service exited before answering /startup' : 'the service did not answer /startup within 15 s');
}

const port = await freePort();
const service = await startService(port).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
const config = parse(readFileSync('contract-tests/dredd.yml', 'utf8'));
const dredd = new Dredd({ ...config, path: [config.blueprint], endpoint: `http://127.0.0.1:${port}`, hookfiles: [config.hookfiles] });
const names = [];
dredd.configuration.emitter?.on?.('test start', (test) => names.push(test.title));

dredd.run((error, stats) => {
  service.kill('SIGTERM');
  const problems = [];
  if (error) problems.push(`Dredd could not run: ${error.message ?? error}`);
  if (stats) {
    console.log(`dredd: ${stats.passes} passing, ${stats.failures} failing, ${stats.errors} errors, ${stats.skipped} skipped, ${stats.tests} total`);
    if (stats.failures > 0 || stats.errors > 0) problems.push(`${stats.failures} failing and ${stats.errors} erroring transactions`);
    const expectedSkips = Object.keys(namedSkips).length;
    if (stats.skipped !== expectedSkips) problems.push(`${stats.skipped} skipped transactions, but ${expectedSkips} are named in dredd-skips.cjs`);
    if (stats.tests === 0) problems.push('no transaction ran');
  }
  for (const problem of problems) console.error(`contract: ${problem}`);
  process.exit(problems.length === 0 ? 0 : 1);
});
