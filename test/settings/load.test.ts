import { describe, it, expect } from 'vitest';
import { isKitArg, loadSettings } from '../../src/settings/load.js';
import { DEFAULT_SETTINGS } from '../../src/settings/table.js';
import { writeKit } from './kitFile.js';

const SESSION = 'exts/omni.services.livestream.session';
const HTTP = 'exts/omni.services.transport.server.http';

describe('loadSettings with no sources', () => {
  it('returns the defaults and no warnings', () => {
    expect(loadSettings()).toEqual({ settings: { ...DEFAULT_SETTINGS }, warnings: [], notes: [] });
  });

  it('returns a fresh object that does not share DEFAULT_SETTINGS', () => {
    const { settings } = loadSettings();
    expect(settings).not.toBe(DEFAULT_SETTINGS);
    settings.port = 1234;
    expect(DEFAULT_SETTINGS.port).toBe(8011);
  });
});

describe('a .kit config file', () => {
  it("reads the seed's [settings] table with dotted keys", () => {
    const file = writeKit(`
[settings]
exts."omni.services.livestream.session".quitOnSessionEnded = false
exts."omni.services.livestream.session".resumeTimeoutSeconds = 12
exts."omni.services.livestream.session".waitForSessionReadyEvent = true
exts."omni.services.transport.server.http".port = 9000
`);
    const { settings, warnings } = loadSettings({ configFile: file });
    expect(settings).toMatchObject({
      quitOnSessionEnded: false,
      resumeTimeoutSeconds: 12,
      waitForSessionReadyEvent: true,
      port: 9000,
    });
    expect(warnings).toEqual([]);
  });

  it('reads the same settings written as nested tables', () => {
    const file = writeKit(`
[settings.exts."omni.services.livestream.session"]
resumeTimeoutSeconds = 0
endSessionOnResumeTimeout = true

[settings.exts."omni.services.transport.server.http"]
port = 8080
host = "127.0.0.1"
`);
    expect(loadSettings({ configFile: file }).settings).toMatchObject({
      resumeTimeoutSeconds: 0,
      endSessionOnResumeTimeout: true,
      port: 8080,
      host: '127.0.0.1',
    });
  });

  it('reads a realistic .kit file and ignores everything outside our settings', () => {
    const file = writeKit(`
[package]
title = "My Streaming App"
version = "1.0.0"
keywords = ["app", "livestream"]

[dependencies]
"omni.services.livestream.session" = {}
"omni.kit.livestream.webrtc" = {}

[settings]
app.window.title = "My Streaming App"
app.renderer.resolution.width = 1920
exts."omni.kit.livestream.webrtc".port = 49100
exts."omni.services.transport.server.http".cors.allow_origins = ["*"]
exts."omni.services.transport.server.http".port = 8111
exts."omni.services.livestream.session".quitOnSessionEnded = false

[[test]]
args = ["--no-window"]
`);
    const { settings, warnings } = loadSettings({ configFile: file });
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, port: 8111, quitOnSessionEnded: false });
    expect(warnings).toEqual([]);
  });

  it('reads nothing from a file without a [settings] table, and says so', () => {
    const file = writeKit('[package]\ntitle = "x"\n');
    expect(loadSettings({ configFile: file })).toEqual({
      settings: { ...DEFAULT_SETTINGS },
      warnings: [`Config file ${file} has no [settings] table; nothing is read from it`],
      notes: [],
    });
  });

  it('stops loading when an unquoted extension name splits the path', () => {
    const file = writeKit('[settings]\nexts.omni.services.transport.server.http.port = 9000\n');
    expect(() => loadSettings({ configFile: file })).toThrow(
      `Setting /exts/omni/services/transport/server/http/port in ${file} is not read; quote the extension name`,
    );
  });
});

describe('environment variables', () => {
  it('set every setting', () => {
    const env = {
      LIVESTREAM_SESSION_QUIT_ON_SESSION_ENDED: 'FALSE',
      LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS: '+45',
      LIVESTREAM_SESSION_WAIT_FOR_SESSION_READY_EVENT: '1',
      LIVESTREAM_SESSION_END_SESSION_ON_RESUME_TIMEOUT: 'True',
      LIVESTREAM_SESSION_PORT: '9001',
      LIVESTREAM_SESSION_HOST: '0.0.0.0',
      LIVESTREAM_SESSION_ACCESS_TOKEN: 's3cret-token',
      LIVESTREAM_SESSION_HEADERS_TIMEOUT_SECONDS: '5',
      LIVESTREAM_SESSION_REQUEST_TIMEOUT_SECONDS: '20',
      LIVESTREAM_SESSION_MAX_EVENT_STREAMS: '4',
      LIVESTREAM_SESSION_APP_STOP_GRACE_SECONDS: '5',
      LIVESTREAM_SESSION_MAX_SESSION_SECONDS: '28800',
      LIVESTREAM_SESSION_FIRST_CONNECTION_TIMEOUT_SECONDS: '120',
      LIVESTREAM_SESSION_IDLE_TIMEOUT_SECONDS: '300',
      LIVESTREAM_SESSION_IDLE_WARNING_SECONDS: '30',
      LIVESTREAM_SESSION_AGONES: 'true',
      LIVESTREAM_SESSION_AGONES_HEALTH_PERIOD_SECONDS: '3',
      LIVESTREAM_SESSION_AGONES_SESSIONS_COUNTER: 'games',
      LIVESTREAM_SESSION_AGONES_CLIENTS_LIST: 'viewers',
      LIVESTREAM_SESSION_ALLOWED_HOSTS: 'app.internal',
      LIVESTREAM_SESSION_TRUSTED_ORIGINS: 'https://portal.example',
      LIVESTREAM_SESSION_DRAIN_ON_STOP: 'true',
      LIVESTREAM_SESSION_WEBHOOK_URL: 'https://portal.example/hooks',
      LIVESTREAM_SESSION_WEBHOOK_SECRET: 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3',
      LIVESTREAM_SESSION_WEBHOOK_SOURCE: 'urn:pod:a',
      LIVESTREAM_SESSION_WEBHOOK_TIMEOUT_SECONDS: '3',
      LIVESTREAM_SESSION_WEBHOOK_QUEUE_SIZE: '50',
      LIVESTREAM_SESSION_WEBHOOK_FLUSH_SECONDS: '0',
      LIVESTREAM_SESSION_APP_READY_WHEN: 'output:app ready',
      LIVESTREAM_SESSION_NEW_FRAME_WHEN: 'tcp:49100',
      LIVESTREAM_SESSION_SESSION_READY_WHEN: 'http://localhost:9000/ready',
    };
    expect(loadSettings({ env }).settings).toEqual({
      quitOnSessionEnded: false,
      resumeTimeoutSeconds: 45,
      waitForSessionReadyEvent: true,
      endSessionOnResumeTimeout: true,
      port: 9001,
      host: '0.0.0.0',
      accessToken: 's3cret-token',
      headersTimeoutSeconds: 5,
      requestTimeoutSeconds: 20,
      maxEventStreams: 4,
      appStopGraceSeconds: 5,
      maxSessionSeconds: 28800,
      firstConnectionTimeoutSeconds: 120,
      idleTimeoutSeconds: 300,
      idleWarningSeconds: 30,
      agones: true,
      agonesHealthPeriodSeconds: 3,
      agonesSessionsCounter: 'games',
      agonesClientsList: 'viewers',
      allowedHosts: 'app.internal',
      trustedOrigins: 'https://portal.example',
      drainOnStop: true,
      webhookUrl: 'https://portal.example/hooks',
      webhookSecret: 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3',
      webhookSource: 'urn:pod:a',
      webhookTimeoutSeconds: 3,
      webhookQueueSize: 50,
      webhookFlushSeconds: 0,
      appReadyWhen: 'output:app ready',
      newFrameWhen: 'tcp:49100',
      sessionReadyWhen: 'http://localhost:9000/ready',
    });
  });

  it('never show the access token in an error', () => {
    expect(() => loadSettings({ overrides: { accessToken: 12345 as never } })).toThrow(/accessToken: \[redacted\]/);
  });

  it('refuse a headers time-out longer than the request time-out', () => {
    const env = { LIVESTREAM_SESSION_HEADERS_TIMEOUT_SECONDS: '40', LIVESTREAM_SESSION_REQUEST_TIMEOUT_SECONDS: '30' };
    expect(() => loadSettings({ env })).toThrow(/headersTimeoutSeconds: 40 \(expected at most requestTimeoutSeconds, 30\)/);
  });

  it('refuse an idle warning that is not shorter than the idle time-out, naming both and the way out', () => {
    const env = { LIVESTREAM_SESSION_IDLE_TIMEOUT_SECONDS: '30', LIVESTREAM_SESSION_IDLE_WARNING_SECONDS: '30' };
    expect(() => loadSettings({ env })).toThrow('Invalid value for idleWarningSeconds: 30 (expected less than idleTimeoutSeconds, 30, or 0 for no warning)');
    // The default warning (10 s) counts too: a time-out of 10 s or less needs a shorter one, or none.
    expect(() => loadSettings({ args: ['--/exts/omni.services.livestream.session/idleTimeoutSeconds=5'] })).toThrow(/idleWarningSeconds: 10 \(expected less than idleTimeoutSeconds, 5/);
    expect(loadSettings({ args: ['--/exts/omni.services.livestream.session/idleTimeoutSeconds=5', '--/exts/omni.services.livestream.session/idleWarningSeconds=0'] }).settings).toMatchObject({ idleTimeoutSeconds: 5, idleWarningSeconds: 0 });
    // With the time-out off, the warning is never given, whatever it is.
    expect(loadSettings({ env: { LIVESTREAM_SESSION_IDLE_WARNING_SECONDS: '600' } }).settings).toMatchObject({ idleTimeoutSeconds: 0, idleWarningSeconds: 600 });
  });

  it('count as unset when empty or missing', () => {
    const env = { LIVESTREAM_SESSION_PORT: '', LIVESTREAM_SESSION_HOST: undefined, PATH: '/usr/bin' };
    expect(loadSettings({ env }).settings).toEqual({ ...DEFAULT_SETTINGS });
  });
});

describe('Kit-style arguments', () => {
  it("are read exactly as the seed writes them", () => {
    const args = [
      `--/${SESSION}/quitOnSessionEnded=true`,
      `--/${SESSION}/resumeTimeoutSeconds=30`,
      `--/${SESSION}/waitForSessionReadyEvent=true`,
      `--/${HTTP}/port=8011`,
    ];
    const { settings, warnings } = loadSettings({ args });
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, waitForSessionReadyEvent: true });
    expect(warnings).toEqual([]);
  });

  it('change values away from the defaults', () => {
    const args = [`--/${SESSION}/quitOnSessionEnded=false`, `--/${SESSION}/resumeTimeoutSeconds=5`, `--/${HTTP}/port=9100`];
    expect(loadSettings({ args }).settings).toMatchObject({ quitOnSessionEnded: false, resumeTimeoutSeconds: 5, port: 9100 });
  });

  it('split at the first = so values may contain =', () => {
    expect(loadSettings({ args: [`--/${HTTP}/host=a=b`] }).settings.host).toBe('a=b');
  });

  it('take an empty Agones Counter or List name, which turns it off; other strings still need a value', () => {
    const args = [`--/${SESSION}/agonesSessionsCounter=`, `--/${SESSION}/agonesClientsList=`];
    expect(loadSettings({ args }).settings).toMatchObject({ agonesSessionsCounter: '', agonesClientsList: '' });
    expect(() => loadSettings({ args: [`--/${HTTP}/host=`] })).toThrow(/expected a non-empty string/);
  });

  it("ignore other programs' arguments and other extensions' settings", () => {
    const args = ['--verbose', 'app.kit', '--/app/window/width=1920', `--/${HTTP}/cors/allow_origins=*`, '--/exts/omni.kit.livestream.webrtc/port=1', '--/app/renderer/flag'];
    expect(loadSettings({ args })).toEqual({ settings: { ...DEFAULT_SETTINGS }, warnings: [], notes: [] });
  });

  it('let the last of two equal arguments win', () => {
    const args = [`--/${HTTP}/port=9000`, `--/${HTTP}/port=9001`];
    expect(loadSettings({ args }).settings.port).toBe(9001);
  });

  it('are recognised by their --/ prefix', () => {
    expect(isKitArg(`--/${HTTP}/port=1`)).toBe(true);
    expect(isKitArg('--port=1')).toBe(false);
    expect(isKitArg('-/x=1')).toBe(false);
  });
});

describe('overrides from code', () => {
  it('use the camelCase setting names', () => {
    const overrides = { resumeTimeoutSeconds: 5, quitOnSessionEnded: false, host: 'localhost', port: 1 };
    expect(loadSettings({ overrides }).settings).toEqual({ ...DEFAULT_SETTINGS, ...overrides });
  });

  it('skip undefined values', () => {
    expect(loadSettings({ overrides: { port: undefined, host: undefined } }).settings).toEqual({ ...DEFAULT_SETTINGS });
  });

  it('warn about an unknown name and suggest the closest one', () => {
    const overrides = { resumeTimeout: 5 } as Record<string, unknown>;
    const { settings, warnings } = loadSettings({ overrides });
    expect(settings).toEqual({ ...DEFAULT_SETTINGS });
    expect(warnings).toEqual(['Unknown setting resumeTimeout in overrides; did you mean resumeTimeoutSeconds?']);
  });
});

describe('precedence', () => {
  const file = writeKit(`[settings]\nexts."omni.services.livestream.session".resumeTimeoutSeconds = 1\n`);
  const env = { LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS: '2' };
  const args = [`--/${SESSION}/resumeTimeoutSeconds=3`];
  const overrides = { resumeTimeoutSeconds: 4 };
  const timeout = (sources: Parameters<typeof loadSettings>[0]) => loadSettings(sources).settings.resumeTimeoutSeconds;

  it('rises from defaults to file to env to args to overrides', () => {
    expect(timeout({})).toBe(30);
    expect(timeout({ configFile: file })).toBe(1);
    expect(timeout({ configFile: file, env })).toBe(2);
    expect(timeout({ configFile: file, env, args })).toBe(3);
    expect(timeout({ configFile: file, env, args, overrides })).toBe(4);
  });

  it('does not depend on which sources are skipped', () => {
    expect(timeout({ configFile: file, args })).toBe(3);
    expect(timeout({ env, overrides })).toBe(4);
  });

  it('works per setting, so a later source leaves the others alone', () => {
    const { settings } = loadSettings({ configFile: file, overrides: { port: 9000 } });
    expect(settings).toMatchObject({ resumeTimeoutSeconds: 1, port: 9000 });
  });
});

describe('legacy omni.services.livestream.nvcf keys', () => {
  it('are accepted from a config file with a deprecation warning each', () => {
    const file = writeKit(`
[settings]
app.livestream.nvcf.quitOnSessionEnded = false
app.livestream.nvcf.sessionResumeTimeoutSeconds = 7
app.livestream.nvcf.waitForCustomReadyEvent = true
`);
    const { settings, warnings } = loadSettings({ configFile: file });
    expect(settings).toMatchObject({ quitOnSessionEnded: false, resumeTimeoutSeconds: 7, waitForSessionReadyEvent: true });
    expect(warnings).toEqual([
      `Setting /app/livestream/nvcf/quitOnSessionEnded is deprecated; use /${SESSION}/quitOnSessionEnded`,
      `Setting /app/livestream/nvcf/sessionResumeTimeoutSeconds is deprecated; use /${SESSION}/resumeTimeoutSeconds`,
      `Setting /app/livestream/nvcf/waitForCustomReadyEvent is deprecated; use /${SESSION}/waitForSessionReadyEvent`,
    ]);
  });

  it('are accepted as arguments', () => {
    const { settings, warnings } = loadSettings({ args: ['--/app/livestream/nvcf/sessionResumeTimeoutSeconds=9'] });
    expect(settings.resumeTimeoutSeconds).toBe(9);
    expect(warnings).toEqual([
      `Setting /app/livestream/nvcf/sessionResumeTimeoutSeconds is deprecated; use /${SESSION}/resumeTimeoutSeconds`,
    ]);
  });

  it('lose to the new key in the same source, whichever comes first', () => {
    const newFirst = [`--/${SESSION}/resumeTimeoutSeconds=1`, '--/app/livestream/nvcf/sessionResumeTimeoutSeconds=2'];
    const oldFirst = ['--/app/livestream/nvcf/sessionResumeTimeoutSeconds=2', `--/${SESSION}/resumeTimeoutSeconds=1`];
    expect(loadSettings({ args: newFirst }).settings.resumeTimeoutSeconds).toBe(1);
    expect(loadSettings({ args: oldFirst }).settings.resumeTimeoutSeconds).toBe(1);
  });

  it('still beat the new key of a lower source', () => {
    const file = writeKit(`[settings]\nexts."omni.services.livestream.session".resumeTimeoutSeconds = 1\n`);
    const args = ['--/app/livestream/nvcf/sessionResumeTimeoutSeconds=2'];
    expect(loadSettings({ configFile: file, args }).settings.resumeTimeoutSeconds).toBe(2);
  });

  it('that do not exist stop loading, naming the key meant', () => {
    expect(() => loadSettings({ args: ['--/app/livestream/nvcf/sessionResumeTimeout=1'] })).toThrow(
      `Unknown setting /app/livestream/nvcf/sessionResumeTimeout; did you mean /${SESSION}/resumeTimeoutSeconds?`,
    );
  });
});

describe('unknown keys', () => {
  const problems = (sources: Parameters<typeof loadSettings>[0]) => {
    try {
      loadSettings(sources);
    } catch (err) {
      return (err as Error).message.split('\n');
    }
    return [];
  };

  it('of our extension stop loading with the closest known key, in a config file', () => {
    const file = writeKit(`[settings]\nexts."omni.services.livestream.session".resumeTimeoutSecond = 5\n`);
    expect(problems({ configFile: file })).toEqual([
      `Unknown setting /${SESSION}/resumeTimeoutSecond in ${file}; did you mean /${SESSION}/resumeTimeoutSeconds?`,
    ]);
  });

  it('of our extension stop loading with the closest known key, in arguments', () => {
    expect(problems({ args: [`--/${SESSION}/quitOnSessionEnd=false`] })).toEqual([
      `Unknown setting /${SESSION}/quitOnSessionEnd; did you mean /${SESSION}/quitOnSessionEnded?`,
    ]);
  });

  it('near a key we read under the http extension stop loading', () => {
    expect(problems({ args: [`--/${HTTP}/prt=21001`, `--/${HTTP}/Host=::1`] })).toEqual([
      `Unknown setting /${HTTP}/prt; did you mean /${HTTP}/port?`,
      `Unknown setting /${HTTP}/Host; did you mean /${HTTP}/host?`,
    ]);
  });

  it("of Kit's http server are read by it, not us, and pass in silence", () => {
    const file = writeKit(`
[settings.exts."omni.services.transport.server.http"]
cors.enabled = true
cors.allow_origins = ["*"]
https.enabled = false
ssl.ssl_keyfile = "key.pem"
`);
    expect(loadSettings({ configFile: file }).warnings).toEqual([]);
  });

  it('of the http extension far from any we know get a warning, since its other Kit versions may have them', () => {
    const { settings, warnings } = loadSettings({ args: [`--/${HTTP}/cors/allow_origin=*`, `--/${HTTP}/allow_port_range=true`] });
    expect(settings).toEqual({ ...DEFAULT_SETTINGS });
    expect(warnings).toEqual([
      `Unknown setting /${HTTP}/cors/allow_origin; did you mean /${HTTP}/cors/allow_origins? It is ignored.`,
      expect.stringContaining(`Unknown setting /${HTTP}/allow_port_range;`),
    ]);
  });

  it('under an extension name one or two letters off ours stop loading', () => {
    const args = ['--/exts/omni.services.livestream.sesion/resumeTimeoutSeconds=5', '--/exts/omni.service.transport.server.http/prot=1'];
    expect(problems({ args })).toEqual([
      `Unknown extension omni.services.livestream.sesion in /exts/omni.services.livestream.sesion/resumeTimeoutSeconds; did you mean /${SESSION}/resumeTimeoutSeconds?`,
      `Unknown extension omni.service.transport.server.http in /exts/omni.service.transport.server.http/prot; did you mean /${HTTP}/port?`,
    ]);
  });

  it('are all named at once, from every source', () => {
    const file = writeKit(`[settings]\nexts."omni.services.livestream.session".waitForSessionReady = true\n`);
    const env = { LIVESTREAM_SESSION_PROT: '9000' };
    const args = [`--/${SESSION}/resumeTimeout=5`];
    expect(problems({ configFile: file, env, args })).toEqual([
      `Unknown setting /${SESSION}/waitForSessionReady in ${file}; did you mean /${SESSION}/waitForSessionReadyEvent?`,
      'Unknown environment variable LIVESTREAM_SESSION_PROT; did you mean LIVESTREAM_SESSION_PORT?',
      `Unknown setting /${SESSION}/resumeTimeout; did you mean /${SESSION}/resumeTimeoutSeconds?`,
    ]);
  });

  it('in environment variables with our prefix stop loading, naming the closest one', () => {
    expect(problems({ env: { LIVESTREAM_SESSION_ACCESS_TOKN: 'x', LIVESTREAM_SESSION_RESUME_TIMEOUT: '5' } })).toEqual([
      'Unknown environment variable LIVESTREAM_SESSION_ACCESS_TOKN; did you mean LIVESTREAM_SESSION_ACCESS_TOKEN?',
      'Unknown environment variable LIVESTREAM_SESSION_RESUME_TIMEOUT; did you mean LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS?',
    ]);
  });

  it("leave other extensions' keys and other programs' variables alone", () => {
    const file = writeKit(`
[settings]
exts."omni.kit.livestream.webrtc".port = 49100
exts."omni.services.livestream.nvcf".enabled = true
app.livestream.port = 49100
`);
    const env = { LIVESTREAM_PORT: '1', LIVESTREAM_SESSION_URL: 'http://127.0.0.1:8011', LIVESTREAM_SESSION_PROT: '' };
    expect(loadSettings({ configFile: file, env, args: ['--/exts/omni.kit.livestream.webrtc/prt=1'] }).warnings).toEqual([]);
  });
});

describe('port 0', () => {
  it('is accepted, for the system to pick a free port', () => {
    expect(loadSettings({ args: [`--/${HTTP}/port=0`] }).settings.port).toBe(0);
  });
});

describe('the access token', () => {
  const TOKEN = 'tok-5e6f7a8b';

  it('loses the whitespace around it, with a warning that does not show it', () => {
    const { settings, warnings } = loadSettings({ env: { LIVESTREAM_SESSION_ACCESS_TOKEN: ` ${TOKEN}\n` } });
    expect(settings.accessToken).toBe(TOKEN);
    expect(warnings).toEqual(['Removed whitespace around the value of LIVESTREAM_SESSION_ACCESS_TOKEN']);
  });

  it('is read from the file LIVESTREAM_SESSION_ACCESS_TOKEN_FILE names, its final line break dropped in silence', () => {
    const file = writeKit(`${TOKEN}\n`, 'token');
    expect(loadSettings({ env: { LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: file } })).toEqual({
      settings: { ...DEFAULT_SETTINGS, accessToken: TOKEN },
      warnings: [],
      notes: [],
    });
  });

  it('from a file loses other whitespace around it with a warning', () => {
    const file = writeKit(`  ${TOKEN}\r\n\r\n`, 'token');
    const { settings, warnings } = loadSettings({ env: { LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: file } });
    expect(settings.accessToken).toBe(TOKEN);
    expect(warnings).toEqual([`Removed whitespace around the value of LIVESTREAM_SESSION_ACCESS_TOKEN_FILE (${file})`]);
  });

  it('loses the whitespace around it from a config file too', () => {
    const file = writeKit(`[settings]\nexts."omni.services.livestream.session".accessToken = "${TOKEN}\\n"\n`);
    const { settings, warnings } = loadSettings({ configFile: file });
    expect(settings.accessToken).toBe(TOKEN);
    expect(warnings).toEqual([`Removed whitespace around the value of /${SESSION}/accessToken in ${file}`]);
  });
});
