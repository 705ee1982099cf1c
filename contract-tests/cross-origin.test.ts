/**
 * A page on another origin, in real Chromium, tries what any web page can do without CORS:
 * `fetch(service + '/v1/streaming/endsession', { method: 'POST', mode: 'no-cors' })`, twice
 * across a resume window. The service refuses both; the session stays as it was.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_READY, CLIENT_CONNECTED, NEW_FRAME, startService, stopServices } from '../test/support/service.js';
import { CHROMIUM_TIMEOUT, launchChromium } from './support/chromium.js';

let browser: Browser | undefined;
let other: Server | undefined;

beforeAll(async () => {
  browser = await launchChromium();
}, CHROMIUM_TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (other ? other.close(resolve) : resolve(undefined)));
  await stopServices();
}, CHROMIUM_TIMEOUT);

describe('a page on another origin, in Chromium', () => {
  it(
    'cannot end the session with no-cors POSTs to endsession, nor report events',
    async () => {
      const running = await startService({ quitOnSessionEnded: false, resumeTimeoutSeconds: 1 });
      await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
      other = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
      await new Promise<void>((resolve) => other!.listen(0, '127.0.0.1', resolve));
      const page = await browser!.newPage();
      await page.goto(`http://localhost:${(other.address() as AddressInfo).port}/`);
      const noCors = (path: string, init: { headers?: Record<string, string>; body?: string } = {}) =>
        page.evaluate(([url, rest]) => fetch(url, { method: 'POST', mode: 'no-cors', ...rest }).then((r) => r.type, (e) => String(e)), [`${running.url}${path}`, init] as const);
      const sent = [await noCors('/v1/streaming/endsession')];
      // Past the resume window the first call would have opened: a second call would end the session.
      running.clock.advanceSeconds(2);
      sent.push(await noCors('/v1/streaming/endsession'));
      sent.push(await noCors('/v1/streaming/events', { headers: { 'content-type': 'text/plain' }, body: '{"event":"omni.kit.livestream.client_disconnected:immediate"}' }));
      // The browser sent them (opaque answers, as no-cors gives), and the service refused them.
      expect(sent).toEqual(['opaque', 'opaque', 'opaque']);
      expect(running.service.state.phase.name).toBe('open');
      expect(running.service.readiness().reason).toBe('SESSION_ACTIVE');
      await page.close();
    },
    CHROMIUM_TIMEOUT,
  );
});
