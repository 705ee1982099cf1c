/**
 * The docs page in a real browser, used as a person would: Swagger UI lists every operation
 * of the spec, and "Try it out" → "Execute" on GET /v1/streaming/ready shows the live answer
 * of the running service.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (scripts/ensure-system-tools.sh installs it);
 * Playwright's own browser download is never used.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../src/http/spec.js';
import { CHROMIUM_TIMEOUT, launchChromium } from './support/chromium.js';
import { APP_READY, NEW_FRAME, startService, stopServices, type RunningService } from '../test/support/service.js';

const TIMEOUT = CHROMIUM_TIMEOUT;
const WAIT = 20_000; // for one element to appear
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'swagger-ui.png');

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the spec as "METHOD /path", sorted. */
function specOperations(): string[] {
  const { document } = loadSpec();
  const operations: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item)) {
      if (HTTP_METHODS.includes(method)) operations.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return operations.sort();
}

let browser: Browser | undefined;
let running: RunningService;

beforeAll(async () => {
  running = await startService();
  browser = await launchChromium();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopServices();
}, TIMEOUT);

/**
 * Opens a page whose calls to the spec's server reach the service under test.
 *
 * Swagger UI sends "Execute" to the spec's `servers` URL (http://localhost:8011), not to the
 * test's free port, and its servers dropdown only offers the spec's entries. Changing the spec
 * or the page would test something else than what users get, so instead the browser's request
 * to http://localhost:8011 is intercepted and forwarded, unchanged (method, headers, body), to
 * the running service; the service's real status, headers and body are handed back to the page.
 * The answer on the page is thus the live answer of the service, as it is. (localhost:8011 is
 * another origin than the page's, but Playwright lets a fulfilled cross-origin answer through
 * without CORS headers; the real service on port 8011 is same-origin with its own /docs page.)
 *
 * Any other request leaving the page's origin is aborted and recorded: the page must work offline.
 */
async function openPage(forwarded: string[], outside: string[]): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const pageOrigin = new URL(running.url).origin;
  const specServer = new URL(String((loadSpec().document.servers as { url: string }[])[0]!.url)).origin;
  // Routes are tried in the reverse order of registration: this catch-all, registered first, is tried last.
  await page.route('**/*', async (route) => {
    const origin = new URL(route.request().url()).origin;
    if (origin === pageOrigin) return route.continue();
    outside.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  await page.route(`${specServer}/**`, async (route) => {
    const request = route.request();
    const target = new URL(request.url());
    const url = `${running.url}${target.pathname}${target.search}`;
    forwarded.push(`${request.method()} ${target.pathname}${target.search}`);
    await route.fulfill({ response: await route.fetch({ url }) });
  });
  return page;
}

/** Clicks "Execute" in an operation block and reads the live answer shown beneath it. */
async function execute(operation: Locator): Promise<{ status: string; body: unknown }> {
  await operation.locator('button.execute').click();
  const live = operation.locator('.responses-wrapper .live-responses-table');
  const status = live.locator('tbody .response-col_status');
  await status.waitFor({ timeout: WAIT });
  // The whole answer (status, body, headers) renders at once: no body now means there is none,
  // e.g. "Failed to fetch" when the request did not reach the service.
  const body = live.locator('.response-col_description .highlight-code');
  if ((await body.count()) === 0) {
    const shown = (await live.innerText()).replace(/\s+/g, ' ');
    throw new Error(`no response body on the page; it shows: ${shown}`);
  }
  const text = await body.first().locator('pre, code').first().textContent();
  return { status: (await status.textContent())!.trim(), body: JSON.parse(text!) };
}

describe('Swagger UI at /docs, in Chromium', () => {
  it(
    'lists every operation of the spec and shows the live answer of GET /v1/streaming/ready',
    async () => {
      const forwarded: string[] = [];
      const outside: string[] = [];
      const page = await openPage(forwarded, outside);
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));

      await page.goto(`${running.url}/docs/`);
      await page.locator('.swagger-ui .information-container .title').waitFor({ timeout: WAIT });
      await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: WAIT });
      expect(await page.title()).toBe('livestream-session API');
      await expect(page.locator('.swagger-ui .information-container .title').textContent()).resolves.toContain(
        'livestream-session',
      );

      // Every operation of the spec is listed, and nothing else: method + path of each block.
      const expected = specOperations();
      expect(expected).toHaveLength(8);
      const listed = await page.locator('.swagger-ui .opblock').evaluateAll((blocks) =>
        blocks.map((block) => {
          const method = block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '?';
          const pathElement = block.querySelector('.opblock-summary-path');
          // Swagger UI breaks long paths with zero-width spaces; data-path holds the path as it is.
          const path = pathElement?.getAttribute('data-path') ?? pathElement?.textContent?.replace(/\u200b/g, '').trim();
          return `${method} ${path}`;
        }),
      );
      expect(listed.sort()).toEqual(expected);

      // A person opens GET /v1/streaming/ready, clicks "Try it out", then "Execute".
      const ready = page
        .locator('.swagger-ui .opblock.opblock-get')
        .filter({ has: page.locator('.opblock-summary-path[data-path="/v1/streaming/ready"]') });
      await expect(ready.count()).resolves.toBe(1);
      await ready.locator('.opblock-summary').first().click();
      await ready.locator('.try-out__btn').click();

      // The app is ready but has not rendered a frame yet: the service says RTX is not ready.
      await running.send(APP_READY);
      expect(await execute(ready)).toEqual({
        status: '503',
        body: { statusMessage: 'Status: Rtx not ready', reason: 'RTX_NOT_READY' },
      });

      // The first frame arrives; clearing and executing again shows the new, live answer.
      await running.send(NEW_FRAME);
      await ready.locator('button.btn-clear').click();
      await ready.locator('.live-responses-table').waitFor({ state: 'detached', timeout: WAIT });
      expect(await execute(ready)).toEqual({
        status: '200',
        body: { statusMessage: 'Status: Ready for connection', reason: 'READY_FOR_CONNECTION' },
      });

      // Both answers went through the forwarder to the running service, nothing left the machine.
      expect(forwarded).toEqual(['GET /v1/streaming/ready', 'GET /v1/streaming/ready']);
      expect(outside).toEqual([]);
      expect(pageErrors).toEqual([]);

      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await page.close();
    },
    TIMEOUT,
  );
});
