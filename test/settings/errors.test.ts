import { describe, it, expect } from 'vitest';
import { loadSettings, SettingsError } from '../../src/settings/load.js';
import type { SettingsSources } from '../../src/settings/load.js';
import { writeKit } from './kitFile.js';

const SESSION = 'exts/omni.services.livestream.session';
const HTTP = 'exts/omni.services.transport.server.http';

/** Asserts loading fails with a SettingsError whose message contains every fragment. */
function expectSettingsError(sources: SettingsSources, ...fragments: string[]): void {
  let caught: unknown;
  try {
    loadSettings(sources);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SettingsError);
  for (const fragment of fragments) expect((caught as Error).message).toContain(fragment);
}

const kit = (line: string) => ({ configFile: writeKit(`[settings]\n${line}\n`) });

describe('a bad value in a config file stops loading', () => {
  it('when an int is written as a string', () => {
    const sources = kit(`exts."omni.services.livestream.session".resumeTimeoutSeconds = "30"`);
    expectSettingsError(sources, `Invalid value for /${SESSION}/resumeTimeoutSeconds: "30" (expected an integer from 0 to 2147483)`);
  });

  it('when an int is written as a float', () => {
    expectSettingsError(kit(`exts."omni.services.transport.server.http".port = 8011.0`), `${HTTP}/port`, '8011');
  });

  it('when a bool is written as a string', () => {
    expectSettingsError(kit(`exts."omni.services.livestream.session".quitOnSessionEnded = "true"`), `${SESSION}/quitOnSessionEnded`, '"true"');
  });

  it('when a bool is written as a number', () => {
    expectSettingsError(kit(`exts."omni.services.livestream.session".waitForSessionReadyEvent = 1`), `${SESSION}/waitForSessionReadyEvent`, ': 1');
  });

  it('when the host is not a string', () => {
    expectSettingsError(kit(`exts."omni.services.transport.server.http".host = 127`), `${HTTP}/host`, '127');
  });

  it('when the host is empty', () => {
    expectSettingsError(kit(`exts."omni.services.transport.server.http".host = ""`), `${HTTP}/host`, '""');
  });

  it('when resumeTimeoutSeconds is negative', () => {
    expectSettingsError(kit(`exts."omni.services.livestream.session".resumeTimeoutSeconds = -1`), `${SESSION}/resumeTimeoutSeconds`, '-1');
  });

  it('when a legacy key has the wrong type', () => {
    expectSettingsError(kit(`app.livestream.nvcf.sessionResumeTimeoutSeconds = "5"`), 'app/livestream/nvcf/sessionResumeTimeoutSeconds', '"5"');
  });

  it('and the message names the file', () => {
    const sources = kit(`exts."omni.services.transport.server.http".port = -1`);
    expectSettingsError(sources, `${HTTP}/port`, ': -1', sources.configFile);
  });
});

describe('a bad value is named by its Kit path as users write it, with the leading slash', () => {
  it.each([
    ['an argument', { args: [`--/${HTTP}/port=eighty`] }, `Invalid value for /${HTTP}/port: "eighty"`],
    ['a .kit file', kit(`exts."omni.services.transport.server.http".port = "eighty"`), `Invalid value for /${HTTP}/port: "eighty"`],
    ['a deprecated path', { args: ['--/app/livestream/nvcf/sessionResumeTimeoutSeconds=soon'] }, 'Invalid value for /app/livestream/nvcf/sessionResumeTimeoutSeconds: "soon"'],
  ])('in %s', (_, sources, message) => {
    expectSettingsError(sources, message);
  });
});

describe('a config file that cannot be used stops loading', () => {
  it('when it is missing', () => {
    const missing = writeKit('') + '.missing';
    expectSettingsError({ configFile: missing }, missing, 'ENOENT');
  });

  it('when it is not valid TOML, with the parser message', () => {
    const file = writeKit('[settings\nport = 1\n');
    expectSettingsError({ configFile: file }, `Cannot parse config file ${file}: Invalid TOML document`, 'illegal character');
  });

  it('when it is over 1 MiB, before it is parsed', () => {
    // Not TOML at all: a parse would fail with another message.
    const file = writeKit('[[['.repeat(400_000));
    expectSettingsError({ configFile: file }, `Config file ${file} is 1200000 bytes, over the 1 MiB it may have`);
  });
});

describe('an access token that no client could send stops loading', () => {
  const TOKEN = 'tok-77aa';

  it.each([
    ['a space', `${TOKEN} x`],
    ['a line break', `${TOKEN}\nx`],
    ['a tab', `${TOKEN}\tx`],
    ['a control character', `${TOKEN}\u0007x`],
    ['a non-ASCII character', `${TOKEN}é`],
  ])('when it has %s inside, without showing it', (_what, token) => {
    let message = '';
    try {
      loadSettings({ env: { LIVESTREAM_SESSION_ACCESS_TOKEN: token } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('LIVESTREAM_SESSION_ACCESS_TOKEN: [redacted] (has whitespace, a control character or a non-ASCII character inside');
    expect(message).not.toContain(TOKEN);
  });

  it('when it is only whitespace', () => {
    expectSettingsError({ env: { LIVESTREAM_SESSION_ACCESS_TOKEN: ' \n' } }, 'LIVESTREAM_SESSION_ACCESS_TOKEN: [redacted]');
  });

  it('when its file is missing', () => {
    const missing = writeKit('', 'token') + '.missing';
    expectSettingsError({ env: { LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: missing } }, `Cannot read LIVESTREAM_SESSION_ACCESS_TOKEN_FILE ${missing}`, 'ENOENT');
  });

  it('when its file is too big to be a token', () => {
    const file = writeKit('x'.repeat(70_000), 'token');
    expectSettingsError({ env: { LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: file } }, `LIVESTREAM_SESSION_ACCESS_TOKEN_FILE ${file} is 70000 bytes, over the 64 KiB`);
  });

  it('when both the token and its file are set', () => {
    const file = writeKit(TOKEN, 'token');
    const env = { LIVESTREAM_SESSION_ACCESS_TOKEN: TOKEN, LIVESTREAM_SESSION_ACCESS_TOKEN_FILE: file };
    expectSettingsError({ env }, 'Set LIVESTREAM_SESSION_ACCESS_TOKEN or LIVESTREAM_SESSION_ACCESS_TOKEN_FILE, not both');
  });
});

describe('a bad environment variable stops loading', () => {
  it("when a bool is not true, false, 1 or 0", () => {
    expectSettingsError({ env: { LIVESTREAM_SESSION_QUIT_ON_SESSION_ENDED: 'yes' } }, 'LIVESTREAM_SESSION_QUIT_ON_SESSION_ENDED', '"yes"');
  });

  it('when the port is not a number', () => {
    expectSettingsError({ env: { LIVESTREAM_SESSION_PORT: 'abc' } }, 'LIVESTREAM_SESSION_PORT', '"abc"', 'an integer from 0 to 65535');
  });

  it('when an int has a fraction', () => {
    expectSettingsError({ env: { LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS: '1.5' } }, 'LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS', '"1.5"');
  });

  it('when an int is too large to be exact', () => {
    expectSettingsError({ env: { LIVESTREAM_SESSION_RESUME_TIMEOUT_SECONDS: '99999999999999999999' } }, '99999999999999999999');
  });
});

describe('a bad argument stops loading', () => {
  it("when a bool is not true, false, 1 or 0", () => {
    expectSettingsError({ args: [`--/${SESSION}/quitOnSessionEnded=maybe`] }, `${SESSION}/quitOnSessionEnded`, '"maybe"');
  });

  it('when an int is not an int', () => {
    expectSettingsError({ args: [`--/${SESSION}/resumeTimeoutSeconds=30s`] }, `${SESSION}/resumeTimeoutSeconds`, '"30s"');
  });

  it('when resumeTimeoutSeconds is negative', () => {
    expectSettingsError({ args: [`--/${SESSION}/resumeTimeoutSeconds=-5`] }, `${SESSION}/resumeTimeoutSeconds`, '"-5"', 'from 0 to 2147483');
  });

  it('when the port is negative', () => {
    expectSettingsError({ args: [`--/${HTTP}/port=-1`] }, `${HTTP}/port`, '"-1"', 'from 0 to 65535');
  });

  it('when the port is 65536', () => {
    expectSettingsError({ args: [`--/${HTTP}/port=65536`] }, `${HTTP}/port`, '"65536"');
  });

  it('when the host is empty', () => {
    expectSettingsError({ args: [`--/${HTTP}/host=`] }, `${HTTP}/host`, '""');
  });

  it("when it has no '='", () => {
    expectSettingsError({ args: [`--/${SESSION}/quitOnSessionEnded`] }, `--/${SESSION}/quitOnSessionEnded`);
  });

  it('when the resume timeout is longer than a timer can hold', () => {
    expectSettingsError({ args: [`--/${SESSION}/resumeTimeoutSeconds=2147484`] }, `${SESSION}/resumeTimeoutSeconds`, '"2147484"');
  });
});

describe('a bad override from code stops loading', () => {
  it('when an int is given as a string', () => {
    expectSettingsError({ overrides: { resumeTimeoutSeconds: '5' } }, 'resumeTimeoutSeconds', '"5"');
  });

  it('when an int has a fraction', () => {
    expectSettingsError({ overrides: { port: 80.5 } }, 'port', '80.5');
  });

  it('when a bool is given as a string', () => {
    expectSettingsError({ overrides: { quitOnSessionEnded: 'false' } }, 'quitOnSessionEnded', '"false"');
  });

  it('when the port is out of range', () => {
    expectSettingsError({ overrides: { port: 65536 } }, 'port', '65536');
  });

  it('when a value is null', () => {
    expectSettingsError({ overrides: { host: null } }, 'host', 'null');
  });
});

describe('SettingsError', () => {
  it('is an Error with its own name', () => {
    const err = new SettingsError('x');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SettingsError');
  });
});
