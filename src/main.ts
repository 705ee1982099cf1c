#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { APP_READY_EVENT, NEW_FRAME_EVENT } from './core/events.js';
import { createSessionService, type SessionService } from './service.js';
import { isKitArg, SettingsError } from './settings/load.js';
import { SETTINGS } from './settings/table.js';

const USAGE = `Usage: livestream-session [options] [--/<setting path>=<value> ...]

Controls a cloud streaming session (NVCF, Kubernetes), compatible with the
Omniverse Kit extension omni.services.livestream.session.

Options:
  -c, --config <file>  read the [settings] table of a .kit (TOML) file
      --simulate       raise app-ready and first-frame by itself (no streaming app needed)
  -h, --help           show this help
  -v, --version        show the version

Settings (file < environment < --/ arguments):
${SETTINGS.map((s) => `  --/${s.path}=<${s.type}>\n      env ${s.env}; default ${s.default ?? 'unset'}. ${s.description}`).join('\n')}

Docs page: http://localhost:8011/docs
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`livestream-session: ${message}\n`);
  process.exit(code);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parseCommandLine(argv: string[]) {
  const kitArgs = argv.filter(isKitArg);
  try {
    const { values } = parseArgs({
      args: argv.filter((arg) => !isKitArg(arg)),
      options: {
        config: { type: 'string', short: 'c' },
        simulate: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    return { ...values, kitArgs };
  } catch (error) {
    return fail(`${(error as Error).message}\nTry 'livestream-session --help'.`);
  }
}

function handleSignals(service: SessionService): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(0);
    stopping = true;
    process.stderr.write(`livestream-session: ${signal}, closing\n`);
    void service.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(argv: string[]): Promise<void> {
  const options = parseCommandLine(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (options.version) {
    process.stdout.write(`${version()}\n`);
    return;
  }
  let service: SessionService;
  try {
    service = createSessionService({ configFile: options.config, env: process.env, args: options.kitArgs });
  } catch (error) {
    if (error instanceof SettingsError) fail(error.message);
    throw error;
  }
  handleSignals(service);
  try {
    await service.listen();
  } catch (error) {
    fail(`cannot listen on port ${service.settings.port}: ${(error as Error).message}`, 1);
  }
  if (options.simulate) {
    service.bus.emit(APP_READY_EVENT);
    service.bus.emit(NEW_FRAME_EVENT);
  }
}

await main(process.argv.slice(2));
