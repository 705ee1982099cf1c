import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIGN_IN_PATH } from '../../src/check/streaming-port.js';
import { OPERATIONS } from '../../src/http/operations.js';
import { loadSettings, splitAsShell } from '../../src/settings/load.js';
import { DEFAULT_SETTINGS } from '../../src/settings/table.js';
import { errorOf } from './kitFile.js';

const SESSION = '--/exts/omni.services.livestream.session';
// Kit's own flags, as NVIDIA's containers pass them beside the settings.
const KIT_FLAGS = '--no-window --allow-root --/app/window/hideUi=true --enable omni.kit.livestream.app';

describe('NVDA_KIT_ARGS, where NVCF passes Kit its arguments', () => {
  it("sets our settings from Kit 108's keys among Kit's own flags, and says so", () => {
    const { settings, notes } = loadSettings({ env: { NVDA_KIT_ARGS: `${KIT_FLAGS} ${SESSION}/resumeTimeoutSeconds=300 ${SESSION}/quitOnSessionEnded=false` } });
    expect(settings).toMatchObject({ resumeTimeoutSeconds: 300, quitOnSessionEnded: false });
    expect(notes).toEqual(['Settings from NVDA_KIT_ARGS: resumeTimeoutSeconds=300, quitOnSessionEnded=false']);
  });

  it("sets the resume window from Kit 106/107's key, with the deprecation warning", () => {
    const { settings, warnings } = loadSettings({ env: { NVDA_KIT_ARGS: `${KIT_FLAGS} --/app/livestream/nvcf/sessionResumeTimeoutSeconds=300` } });
    expect(settings.resumeTimeoutSeconds).toBe(300);
    expect(warnings).toContain('Setting /app/livestream/nvcf/sessionResumeTimeoutSeconds is deprecated; use /exts/omni.services.livestream.session/resumeTimeoutSeconds');
  });

  it('is split as a shell splits it: quotes and backslashes, nothing expanded', () => {
    expect(splitAsShell(`a "b c" 'd $HOME' e\\ f $HOME; g # h`)).toEqual(['a', 'b c', 'd $HOME', 'e f', '$HOME', ';', 'g']);
    const { settings } = loadSettings({ env: { NVDA_KIT_ARGS: `"${SESSION}/trustedOrigins=https://a.example:8443, https://b.example"` } });
    expect(settings.trustedOrigins).toBe('https://a.example:8443, https://b.example');
  });

  it('is below the command line and above the environment', () => {
    const env = { LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS: '1', NVDA_KIT_ARGS: `${SESSION}/resumeTimeoutSeconds=2` };
    expect(loadSettings({ env }).settings.resumeTimeoutSeconds).toBe(2);
    expect(loadSettings({ env, args: [`${SESSION}/resumeTimeoutSeconds=3`] }).settings.resumeTimeoutSeconds).toBe(3);
  });

  it('stops start-up on a typo of ours, naming the variable and the key meant', () => {
    const message = errorOf(() => loadSettings({ env: { NVDA_KIT_ARGS: `${KIT_FLAGS} ${SESSION}/resumeTimeoutSecond=300` } }));
    expect(message).toContain('resumeTimeoutSecond in NVDA_KIT_ARGS');
    expect(message).toContain('exts/omni.services.livestream.session/resumeTimeoutSeconds');
  });

  it('stops start-up on a bad value, naming the variable', () => {
    expect(errorOf(() => loadSettings({ env: { NVDA_KIT_ARGS: `${SESSION}/resumeTimeoutSeconds=5m` } }))).toContain('NVDA_KIT_ARGS');
  });

  it('names a secret it set without showing it', () => {
    const { settings, notes } = loadSettings({ env: { NVDA_KIT_ARGS: `${SESSION}/accessToken=s3cr3t-token` } });
    expect(settings.accessToken).toBe('s3cr3t-token');
    expect(notes).toEqual(['Settings from NVDA_KIT_ARGS: accessToken']);
  });

  it('says nothing when it holds only Kit flags', () => {
    const loaded = loadSettings({ env: { NVDA_KIT_ARGS: KIT_FLAGS } });
    expect(loaded.notes).toEqual([]);
    expect(loaded.warnings).toEqual([]);
  });
});

describe("the resume window and the session manager's reconnect window", () => {
  it('follows reconnectWindowSeconds when no source sets resumeTimeoutSeconds', () => {
    const { settings, warnings } = loadSettings({ env: { LIVESTREAM_SESSION_RECONNECT_WINDOW_SECONDS: '300' } });
    expect(settings.resumeTimeoutSeconds).toBe(300);
    expect(warnings).toEqual([]);
  });

  it('keeps a resumeTimeoutSeconds set in any source, and warns when it is the shorter', () => {
    const { settings, warnings } = loadSettings({ env: { LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS: '60' }, args: [`${SESSION}/reconnectWindowSeconds=300`] });
    expect(settings.resumeTimeoutSeconds).toBe(60);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('resumeTimeoutSeconds is 60 s, shorter than the 300 s of reconnectWindowSeconds');
  });

  it("warns on NVCF (NVCF_FUNCTION_ID set) when the resume window is shorter than NVCF's default 300 s", () => {
    const { settings, warnings } = loadSettings({ env: { NVCF_FUNCTION_ID: 'f0e1d2c3' } });
    expect(settings.resumeTimeoutSeconds).toBe(30);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("shorter than the 300 s of NVCF's default reconnect window");
  });

  it('is quiet on NVCF once the window is long enough, or declared shorter on purpose', () => {
    expect(loadSettings({ env: { NVCF_FUNCTION_ID: 'f', NVDA_KIT_ARGS: `${SESSION}/resumeTimeoutSeconds=300` } }).warnings).toEqual([]);
    expect(loadSettings({ env: { NVCF_FUNCTION_ID: 'f', LIVESTREAM_SESSION_RECONNECT_WINDOW_SECONDS: '30' } }).warnings).toEqual([]);
  });

  it('is quiet off NVCF with the defaults', () => {
    expect(loadSettings({ env: {} }).warnings).toEqual([]);
  });
});

describe('keys written for the extension before it was renamed (7.x)', () => {
  it('are not read, and a warning names the key meant', () => {
    const { settings, warnings } = loadSettings({
      env: { NVDA_KIT_ARGS: '--/exts/omni.services.livestream.nvcf/sessionResumeTimeoutSeconds=300 --/exts/omni.services.livestream.nvcf/quitOnSessionEnded=false' },
    });
    expect(settings.resumeTimeoutSeconds).toBe(30);
    expect(warnings).toEqual([
      'Setting /exts/omni.services.livestream.nvcf/sessionResumeTimeoutSeconds in NVDA_KIT_ARGS is not read: omni.services.livestream.nvcf is named omni.services.livestream.session since 8.0; did you mean /exts/omni.services.livestream.session/resumeTimeoutSeconds?',
      'Setting /exts/omni.services.livestream.nvcf/quitOnSessionEnded in NVDA_KIT_ARGS is not read: omni.services.livestream.nvcf is named omni.services.livestream.session since 8.0; did you mean /exts/omni.services.livestream.session/quitOnSessionEnded?',
    ]);
  });
});

describe("the NVCF function definition docs/deploying.md gives", () => {
  const page = readFileSync(new URL('../../docs/deploying.md', import.meta.url), 'utf8');
  const section = page.slice(page.indexOf('## NVCF\n'), page.indexOf('## Agones\n'));
  const blocks = [...section.matchAll(/^```json\n([\s\S]*?)^```$/gm)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
  const definition = blocks.find((b) => 'functionType' in b) as {
    inferenceUrl: string;
    inferencePort: number;
    health: { protocol: string; uri: string; port: number; expectedStatusCode: number };
    containerEnvironment: Array<{ key: string; value: string }>;
  };
  const envOf = (entries: Array<{ key: string; value: string }>) => ({ NVCF_FUNCTION_ID: 'f0e1d2c3', ...Object.fromEntries(entries.map((e) => [e.key, e.value])) });

  it('has NVCF check the readiness probe on the port the service listens on, and viewers sign in where the check looks', () => {
    expect(definition.health).toMatchObject({ protocol: 'HTTP', uri: OPERATIONS.checkReady.path, port: DEFAULT_SETTINGS.port, expectedStatusCode: 200 });
    expect(definition.inferenceUrl).toBe(SIGN_IN_PATH);
  });

  it("gives a container environment whose resume window covers NVCF's reconnect window, without a warning", () => {
    const { settings, warnings } = loadSettings({ env: envOf(definition.containerEnvironment) });
    expect(settings.resumeTimeoutSeconds).toBe(300);
    expect(warnings).toEqual([]);
  });

  it('gives an NVDA_KIT_ARGS entry that does the same', () => {
    const entry = blocks.find((b) => b.key === 'NVDA_KIT_ARGS') as { key: string; value: string };
    const { settings, warnings } = loadSettings({ env: envOf([entry]) });
    expect(settings.resumeTimeoutSeconds).toBe(300);
    expect(warnings).toEqual([]);
  });
});
