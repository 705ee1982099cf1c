/**
 * A real streaming session, end to end, with parts nobody here wrote: Debian's coturn as the
 * TURN relay, the CLI supervising examples/webrtc-app (ffmpeg → werift), NVCF's calls made
 * through the generated client, and headless Chromium watching on the app's viewer page.
 *
 * Needs ffmpeg, coturn and Chromium from Debian (scripts/ensure-system-tools.sh installs them).
 */
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkReady, checkStartup, endSession, setCredentials } from '../../generated/sdk.gen.js';
import type { Client } from '../../src/client.js';
import { startCoturn, type Coturn } from '../../scripts/coturn.mjs';
import { freePort, killProcesses, startCli } from '../support/process.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../contract-tests/support/chromium.js';

const APP = fileURLToPath(new URL('../../examples/webrtc-app/app.mjs', import.meta.url));
const EXT = '--/exts/omni.services.livestream.session';
const TIMEOUT = 120_000; // a loaded 2-core machine: Chromium, ffmpeg and three Node processes
// Polls a real process until a condition holds; generous, for a loaded 2-core machine.
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 30_000, interval: 100 });

let coturn: Coturn;
let browser: Browser;

beforeAll(async () => {
  [coturn, browser] = await Promise.all([
    startCoturn(),
    chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'], timeout: TIMEOUT }),
  ]);
}, TIMEOUT);

let appGroup: number | undefined;
afterEach(async () => {
  await killProcesses();
  // The CLI killed outright cannot stop the app: its whole process group (ffmpeg too) goes here.
  if (appGroup !== undefined && groupAlive(appGroup)) process.kill(-appGroup, 'SIGKILL');
  appGroup = undefined;
});
afterAll(async () => {
  await browser?.close();
  await coturn?.stop();
}, TIMEOUT);

async function statusMessage(client: Client): Promise<string | undefined> {
  const { data, error } = await checkReady({ client });
  return (data ?? error)?.statusMessage;
}

/** Opens the viewer page and waits until its video has decoded frames and moves on. */
async function watch(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  const played = () =>
    page.evaluate(() => {
      const video = document.querySelector('video')!;
      return { frames: video.getVideoPlaybackQuality().totalVideoFrames, time: video.currentTime };
    });
  await page.waitForFunction(() => document.querySelector('video')!.getVideoPlaybackQuality().totalVideoFrames >= 10, null, { timeout: 30_000 });
  const before = await played();
  await eventually(async () => {
    const now = await played();
    expect(now.frames).toBeGreaterThan(before.frames + 15);
    expect(now.time).toBeGreaterThan(before.time);
  });
  return page;
}

/** The candidate types of the pair the page's peer connection selected. */
function selectedPair(page: Page): Promise<{ local?: string; remote?: string }> {
  return page.evaluate(async () => {
    const stats: any[] = [];
    (await (window as unknown as { viewer: RTCPeerConnection }).viewer.getStats()).forEach((s) => stats.push(s));
    const transport = stats.find((s) => s.type === 'transport');
    const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
    const type = (id: string) => stats.find((s) => s.id === id)?.candidateType as string | undefined;
    return { local: type(pair?.localCandidateId), remote: type(pair?.remoteCandidateId) };
  });
}

describe('a WebRTC session through a TURN relay, watched in Chromium', () => {
  it(
    'plays over relays only, goes active and back, resumes on a new page within the window, and ends with every process gone',
    async () => {
      const appPort = await freePort();
      const mediaMin = 40_000 + 50 * Math.floor(Math.random() * 100);
      const { cli, client } = await startCli(
        [`${EXT}/quitOnSessionEnded=true`, `${EXT}/resumeTimeoutSeconds=30`, '--', process.execPath, APP],
        { WEBRTC_APP_PORT: String(appPort), WEBRTC_APP_MEDIA_PORTS: `${mediaMin}-${mediaMin + 49}` },
      );
      const viewerUrl = `http://127.0.0.1:${appPort}/`;

      // NVCF: start-up, then readiness until 200 (the app is listening and ffmpeg's first frame is out).
      expect((await checkStartup({ client })).response.status).toBe(200);
      await eventually(async () => expect(await statusMessage(client)).toBe('Status: Ready for connection'));
      const appPid = (await cli.waitForLog('application started')).pid as number;
      appGroup = appPid;

      // Credentials: coturn as the only way through.
      const credentials = coturn.credentials();
      // Before credentials the app cannot build a peer connection: it says so.
      const early = await fetch(`${viewerUrl}whep`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: 'v=0\r\n' });
      expect(early.status).toBe(503);
      expect(await early.json()).toMatchObject({ message: expect.stringContaining('no STUN/TURN credentials from the session yet') });

      expect((await setCredentials({ client, body: credentials })).data).toEqual({ success: true, errorMessage: null });
      await cli.waitForOutput('webrtc-app: credentials received');

      // A viewer watches: frames decoded over a relay on both sides, and the session is active.
      const first = await watch(viewerUrl);
      expect(await selectedPair(first)).toEqual({ local: 'relay', remote: 'relay' });
      await eventually(async () => expect(await statusMessage(client)).toBe('Status: Streaming session active (keep alive)'));

      // Closing the page is seen at once (WHEP DELETE on pagehide).
      await first.close({ runBeforeUnload: true });
      await eventually(async () => expect(await statusMessage(client)).toBe('Status: Ready for connection'));
      expect(cli.stdout).toMatch(/webrtc-app: viewer [\w-]+ gone: WHEP DELETE/);

      // NVCF ends the session without grace: the resume window opens, and a new viewer resumes it.
      expect((await endSession({ client, body: { sessionId: 'webrtc-1', gracefulShutdown: false } })).data).toEqual({ sessionStatus: 'AWAITING_RESUME' });
      expect(await statusMessage(client)).toBe('Status: Awaiting session resume (keep alive)');
      const second = await watch(viewerUrl);
      expect(await selectedPair(second)).toEqual({ local: 'relay', remote: 'relay' });
      await eventually(async () => expect(await statusMessage(client)).toBe('Status: Streaming session active (keep alive)'));

      // This page's renderer crashes: no DELETE, but the viewer's RTCP stops, and the app notices.
      await crash(second);
      await eventually(async () => expect(await statusMessage(client)).toBe('Status: Ready for connection'));
      expect(cli.stdout).toMatch(/webrtc-app: viewer [\w-]+ gone: no RTCP from the viewer/);
      await second.close();

      // The end: COMPLETE, the app stops its peers and ffmpeg, the service exits 0, nothing is left.
      expect((await endSession({ client, body: { sessionId: 'webrtc-1', gracefulShutdown: true } })).data).toEqual({ sessionStatus: 'COMPLETE' });
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      expect(cli.stdout).toContain('webrtc-app: stopped');
      expect(groupAlive(appPid)).toBe(false);
      expect(cli.stdout + cli.stderr).not.toContain(coturn.password);
    },
    TIMEOUT,
  );
});

describe('the WebRTC app\'s signalling, given bad requests', () => {
  it('answers each with a clear JSON error and the right 4xx, and keeps serving', { timeout: TIMEOUT }, async () => {
    const appPort = await freePort();
    const { cli, client } = await startCli(['--', process.execPath, APP], { WEBRTC_APP_PORT: String(appPort) });
    appGroup = (await cli.waitForLog('application started')).pid as number;
    // As NVCF does, credentials come once the app is ready (it listens to the event stream by then).
    await eventually(async () => expect(await statusMessage(client)).toBe('Status: Ready for connection'));
    await setCredentials({ client, body: coturn.credentials() });
    await cli.waitForOutput('webrtc-app: credentials received');

    const app = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${appPort}${path}`, init);
    const sdp = (body: string, type = 'application/sdp') => ({ method: 'POST', headers: { 'content-type': type }, body });
    const cases: Array<[string, Promise<Response>, number, string]> = [
      ['an offer sent as JSON', app('/whep', sdp('{}', 'application/json')), 415, 'application/sdp'],
      ['an offer that is not SDP', app('/whep', sdp('hello')), 400, 'no video section'],
      ['an offer over 64 KiB', app('/whep', sdp('v=0\r\n'.repeat(20_000))), 413, 'larger than'],
      ['a DELETE of no viewer', app('/whep/no-such-viewer', { method: 'DELETE' }), 404, 'no such viewer'],
      ['a PUT to /whep', app('/whep', { method: 'PUT' }), 405, 'not allowed'],
      ['an unknown path', app('/nowhere'), 404, 'not found'],
    ];
    for (const [what, answer, status, message] of cases) {
      const response = await answer;
      expect({ what, status: response.status, type: response.headers.get('content-type') }).toEqual({ what, status, type: 'application/json' });
      expect(await response.json(), what).toEqual({ status, message: expect.stringContaining(message) });
    }
    const options = await app('/whep', { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('link')).toContain(`<turn:127.0.0.1:${coturn.port}?transport=udp>; rel="ice-server"; username="${coturn.username}"`);
    expect(options.headers.get('ice-transport-policy')).toBe('relay');
  });
});

/** Crashes the page's renderer, where its peer connection lives: it goes without a word. */
async function crash(page: Page): Promise<void> {
  const crashed = new Promise((resolve) => page.once('crash', resolve));
  await page.goto('chrome://crash').catch(() => undefined);
  await crashed;
}

/** Whether any process of the app's process group (the app, ffmpeg) is still there. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
