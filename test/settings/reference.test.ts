import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { describeSetting, settingsReference } from '../../src/settings/reference.js';
import { SETTINGS, type SettingSpec } from '../../src/settings/table.js';
import { CliProcess, killProcesses } from '../support/process.js';

afterEach(killProcesses);

const DOC = new URL('../../docs/settings.md', import.meta.url);

async function help(env: Record<string, string> = {}, ...args: string[]): Promise<string> {
  const cli = new CliProcess(['--help', ...args], env);
  expect(await cli.exited).toEqual({ code: 0, signal: null });
  return cli.stdout;
}

describe('the settings reference, docs/settings.md', () => {
  it('is what the settings table gives (npm run generate rewrites it)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(settingsReference());
  });

  it('has a section per setting with its Kit path, flag, environment variable and default', () => {
    const doc = settingsReference();
    for (const spec of SETTINGS) {
      const s = describeSetting(spec);
      expect(doc).toContain(`## \`${spec.name}\``);
      for (const text of [`| Kit path | \`/${spec.path}\` |`, `\`--/${spec.path}=<${spec.type}>\``, `\`${spec.env}\``, `| default | ${s.default === 'unset' ? 'unset' : `\`${s.default}\``} |`]) expect(doc).toContain(text);
    }
  });

  it("never shows a secret's default", () => {
    const secret: SettingSpec = { ...SETTINGS.find((s) => s.secret)!, default: 'hunter2-default' };
    expect(JSON.stringify(describeSetting(secret))).not.toContain('hunter2');
    expect(describeSetting(secret).default).toBe('set (not shown)');
  });
});

describe('--help', () => {
  it('lists every setting of the table with its flag, environment variable and default', async () => {
    const text = await help();
    for (const spec of SETTINGS) {
      const s = describeSetting(spec);
      expect(text).toContain(`  --/${spec.path}=<${spec.type}>\n      env ${spec.env}`);
      expect(text).toContain(`default ${s.default}`);
      expect(text).toContain(spec.description);
    }
  });

  it('names the docs page on the default port', async () => {
    expect(await help()).toMatch(/\nDocs page: http:\/\/localhost:8011\/docs\n$/);
  });

  it('names the docs page on the port set in the environment or by an argument', async () => {
    expect(await help({ LIVESTREAM_SESSION_PORT: '9123' })).toMatch(/\nDocs page: http:\/\/localhost:9123\/docs\n$/);
    expect(await help({}, '--/exts/omni.services.transport.server.http/port=9124', '--/exts/omni.services.transport.server.http/host=127.0.0.1')).toMatch(
      /\nDocs page: http:\/\/127\.0\.0\.1:9124\/docs\n$/,
    );
  });
});
