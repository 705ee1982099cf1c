import { afterEach, describe, expect, it } from 'vitest';
import { getStatus } from '../../src/client.js';
import { killProcesses, startCli } from '../support/process.js';

afterEach(killProcesses);

// NVIDIA's Kit containers on NVCF receive Kit's arguments, settings among them, in NVDA_KIT_ARGS.
const KIT_FLAGS = '--no-window --allow-root --/app/window/hideUi=true --enable omni.kit.livestream.app';

describe('a service started with NVDA_KIT_ARGS, as NVCF starts Kit containers', () => {
  it.each([
    ['Kit 108 and later', '--/exts/omni.services.livestream.session/resumeTimeoutSeconds=300'],
    ['Kit 106/107', '--/app/livestream/nvcf/sessionResumeTimeoutSeconds=300'],
  ])('shows the resume window set with the key of %s on /v1/streaming/status, and logs where it came from', async (_line, key) => {
    const { cli, client } = await startCli([], { NVDA_KIT_ARGS: `${KIT_FLAGS} ${key}` });
    const { data } = await getStatus({ client });
    expect(data?.settings.resumeTimeoutSeconds).toBe(300);
    expect(cli.logs().some((line) => line.msg === 'Settings from NVDA_KIT_ARGS: resumeTimeoutSeconds=300')).toBe(true);
  });

  it('warns on NVCF when the resume window is shorter than the reconnect window', async () => {
    const { cli } = await startCli([], { NVCF_FUNCTION_ID: 'f0e1d2c3' });
    expect(cli.logs().some((line) => line.level === 40 && String(line.msg).includes("NVCF's default reconnect window"))).toBe(true);
  });
});
