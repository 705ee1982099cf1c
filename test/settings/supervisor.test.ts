import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings/load.js';
import { parseReadyRule } from '../../src/settings/ready-rules.js';
import { errorOf, writeKit } from './kitFile.js';

const SESSION = 'exts/omni.services.livestream.session';

describe('the supervisor settings', () => {
  it('default to a 10 second grace period and no readiness rules', () => {
    expect(loadSettings().settings).toMatchObject({
      appStopGraceSeconds: 10,
      appReadyWhen: undefined,
      newFrameWhen: undefined,
      sessionReadyWhen: undefined,
    });
  });

  it('are read from the environment', () => {
    const env = {
      LIVESTREAM_SESSION_APP_STOP_GRACE_SECONDS: '0',
      LIVESTREAM_SESSION_APP_READY_WHEN: 'output:app ready',
      LIVESTREAM_SESSION_NEW_FRAME_WHEN: 'tcp:49100',
      LIVESTREAM_SESSION_SESSION_READY_WHEN: 'http://127.0.0.1:8899/health',
    };
    expect(loadSettings({ env }).settings).toMatchObject({
      appStopGraceSeconds: 0,
      appReadyWhen: 'output:app ready',
      newFrameWhen: 'tcp:49100',
      sessionReadyWhen: 'http://127.0.0.1:8899/health',
    });
  });

  it('are read from --/ arguments and a .kit file', () => {
    const args = [`--/${SESSION}/appStopGraceSeconds=3`, `--/${SESSION}/appReadyWhen=output:^ready=(yes|no)$`];
    expect(loadSettings({ args }).settings).toMatchObject({ appStopGraceSeconds: 3, appReadyWhen: 'output:^ready=(yes|no)$' });
    const configFile = writeKit(`[settings]\nexts."omni.services.livestream.session".newFrameWhen = "tcp:localhost:9000"\n`);
    expect(loadSettings({ configFile }).settings.newFrameWhen).toBe('tcp:localhost:9000');
  });

  it.each([
    ['LIVESTREAM_SESSION_APP_STOP_GRACE_SECONDS', '-1'],
    ['LIVESTREAM_SESSION_APP_STOP_GRACE_SECONDS', 'soon'],
    ['LIVESTREAM_SESSION_APP_READY_WHEN', 'output:(unclosed'],
    ['LIVESTREAM_SESSION_APP_READY_WHEN', 'output:'],
    ['LIVESTREAM_SESSION_NEW_FRAME_WHEN', 'tcp:70000'],
    ['LIVESTREAM_SESSION_NEW_FRAME_WHEN', 'tcp:host:'],
    ['LIVESTREAM_SESSION_SESSION_READY_WHEN', 'http://'],
    ['LIVESTREAM_SESSION_SESSION_READY_WHEN', 'when it feels like it'],
  ])('stop loading on a bad value, naming the key and the value: %s=%s', (key, value) => {
    const message = errorOf(() => loadSettings({ env: { [key]: value } }));
    expect(message).toContain(key);
    expect(message).toContain(JSON.stringify(value));
  });

  it('say which forms a readiness rule may take', () => {
    const message = errorOf(() => loadSettings({ args: [`--/${SESSION}/appReadyWhen=udp:9`] }));
    expect(message).toBe(
      `Invalid value for /${SESSION}/appReadyWhen: "udp:9" (not a known form; expected output:<regex>, tcp:[host:]port, or an http:// or https:// URL)`,
    );
  });

  it('check rules given from code too', () => {
    expect(errorOf(() => loadSettings({ overrides: { newFrameWhen: 'output:[' } }))).toContain('newFrameWhen');
  });
});

describe('readiness rules', () => {
  it('read output:<regex> as a regular expression over one line', () => {
    const rule = parseReadyRule('output:app ready');
    expect(rule).toMatchObject({ kind: 'output' });
    expect((rule as { pattern: RegExp }).pattern.test('[ext: my.app] app ready')).toBe(true);
  });

  it.each([
    ['tcp:49100', { kind: 'tcp', host: '127.0.0.1', port: 49100 }],
    ['tcp:localhost:8899', { kind: 'tcp', host: 'localhost', port: 8899 }],
    ['tcp:[::1]:8899', { kind: 'tcp', host: '::1', port: 8899 }],
    ['http://127.0.0.1:8899/health', { kind: 'http', url: 'http://127.0.0.1:8899/health' }],
    ['https://localhost/ready', { kind: 'http', url: 'https://localhost/ready' }],
  ])('read %s', (text, rule) => {
    expect(parseReadyRule(text)).toEqual(rule);
  });
});
