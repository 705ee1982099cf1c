import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings/load.js';
import { settingsHelp } from '../../src/settings/reference.js';
import { errorOf } from '../settings/kitFile.js';
import { SECRET } from './receiver.js';

const URL_ARG = '--/exts/omni.services.livestream.session/webhookUrl=';
const dir = mkdtempSync(join(tmpdir(), 'webhook-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the webhook settings', () => {
  it('take one or more http(s) URLs, comma-separated, and a Standard Webhooks secret from a file or the environment', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    const { settings, warnings } = loadSettings({ args: [`${URL_ARG}https://portal.example/hooks, http://10.0.0.1:9000/`], env: { LIVESTREAM_SESSION_WEBHOOK_SECRET_FILE: file } });
    expect(settings).toMatchObject({ webhookUrl: 'https://portal.example/hooks, http://10.0.0.1:9000/', webhookSecret: SECRET, webhookFlushSeconds: 5, webhookTimeoutSeconds: 10, webhookQueueSize: 1000 });
    expect(warnings).toEqual([]);
    // The key alone, without the whsec_ prefix, is a secret too.
    expect(loadSettings({ env: { LIVESTREAM_SESSION_WEBHOOK_SECRET: SECRET.slice(6) } }).settings.webhookSecret).toBe(SECRET.slice(6));
  });

  it.each([
    ['ftp://portal.example/', '"ftp://portal.example/" is not an http or https URL'],
    ['portal.example/hooks', '"portal.example/hooks" is not a URL'],
    ['https://user:pass@portal.example/', '"https://user:pass@portal.example/" carries a user name or password'],
    [' , ', 'names no URL'],
  ])('refuse webhookUrl %j, saying why', (value, why) => {
    expect(errorOf(() => loadSettings({ args: [`${URL_ARG}${value}`], env: { LIVESTREAM_SESSION_WEBHOOK_SECRET: SECRET } }))).toContain(why);
  });

  it('refuse a webhookSource that is not a URI reference', () => {
    expect(errorOf(() => loadSettings({ env: { LIVESTREAM_SESSION_WEBHOOK_SOURCE: 'my pod' } }))).toContain('Invalid value for LIVESTREAM_SESSION_WEBHOOK_SOURCE: "my pod" (is not a URI reference');
    expect(loadSettings({ env: { LIVESTREAM_SESSION_WEBHOOK_SOURCE: 'urn:portal:pod-7' } }).settings.webhookSource).toBe('urn:portal:pod-7');
  });

  it('refuse a webhookUrl without a secret, and a secret that is not base64 or whose key is too short or too long, never showing it', () => {
    expect(errorOf(() => loadSettings({ args: [`${URL_ARG}https://portal.example/`] }))).toContain('webhookUrl needs webhookSecret');
    for (const [secret, why] of [
      ['whsec_not base64!', 'is not base64'],
      [`whsec_${Buffer.alloc(16, 1).toString('base64')}`, 'holds a key of 16 bytes'],
      [`whsec_${Buffer.alloc(65, 1).toString('base64')}`, 'holds a key of 65 bytes'],
    ] as const) {
      const message = errorOf(() => loadSettings({ env: { LIVESTREAM_SESSION_WEBHOOK_SECRET: secret } }));
      expect(message).toContain(`Invalid value for LIVESTREAM_SESSION_WEBHOOK_SECRET: [redacted] (${why}`);
      expect(message).not.toContain(secret.slice(6));
    }
  });

  it('are listed by --help, the secret with its file variable and no value', () => {
    const help = settingsHelp();
    for (const name of ['webhookUrl', 'webhookSecret', 'webhookSource', 'webhookTimeoutSeconds', 'webhookQueueSize', 'webhookFlushSeconds']) expect(help).toContain(name);
    expect(help).toContain('LIVESTREAM_SESSION_WEBHOOK_SECRET_FILE');
  });
});
