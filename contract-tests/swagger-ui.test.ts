/**
 * The docs page in a real browser, used as a person would: Swagger UI lists every operation
 * of the spec, and "Try it out" → "Execute" on GET /v1/streaming/ready shows the live answer
 * of the running service, on a free port, opened through 127.0.0.1 and through localhost.
 * No request of the page is rerouted.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (scripts/ensure-chromium.sh installs it);
 * Playwright's own browser download is never used.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../src/http/spec.js';
import { APP_READY, NEW_FRAME, startService, stopServices, type RunningService } from '../test/support/service.js';

const CHROMIUM = '/usr/bin/chromium';
// The network of the machines this runs on is closed: these flags keep Chromium from trying to
// reach the internet (updates, sync, QUIC probes, first-run pages).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TIMEOUT = 60_000; // Chromium start-up is slow on 2 cores.
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
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: TIMEOUT });
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await stopServices();
}, TIMEOUT);

/**
 * Opens a page as a person would, with nothing rerouted: whatever the page asks for goes where
 * the page sends it. Requests are only observed, to check that none leaves the page's origin.
 */
async function openPage(origin: string, sent: string[], outside: string[]): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin) outside.push(request.url());
    else if (url.pathname.startsWith('/v1/')) sent.push(`${request.method()} ${url.pathname}${url.search}`);
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
  it.each(['127.0.0.1', 'localhost'])(
    'at http://%s:<a free port>/docs lists every operation of the spec and shows the live answer of GET /v1/streaming/ready',
    async (host) => {
      // A service of its own per page: the readiness it walks through starts afresh.
      running = await startService();
      const origin = `http://${host}:${new URL(running.url).port}`;
      const sent: string[] = [];
      const outside: string[] = [];
      const page = await openPage(origin, sent, outside);
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));

      await page.goto(`${origin}/docs/`);
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
      const readyBlock = page
        .locator('.swagger-ui .opblock.opblock-get')
        .filter({ has: page.locator('.opblock-summary-path[data-path="/v1/streaming/ready"]') });
      await expect(readyBlock.count()).resolves.toBe(1);
      await readyBlock.locator('.opblock-summary').first().click();
      await readyBlock.locator('.try-out__btn').click();

      // The app is ready but has not rendered a frame yet: the service says RTX is not ready.
      await running.send(APP_READY);
      expect(await execute(readyBlock)).toEqual({
        status: '503',
        body: { statusMessage: 'Status: Rtx not ready', reason: 'RTX_NOT_READY' },
      });

      // The first frame arrives; clearing and executing again shows the new, live answer.
      await running.send(NEW_FRAME);
      await readyBlock.locator('button.btn-clear').click();
      await readyBlock.locator('.live-responses-table').waitFor({ state: 'detached', timeout: WAIT });
      expect(await execute(readyBlock)).toEqual({
        status: '200',
        body: { statusMessage: 'Status: Ready for connection', reason: 'READY_FOR_CONNECTION' },
      });

      // Both requests went to the service, at the address the page was opened on; nothing else left the page.
      expect(sent).toEqual(['GET /v1/streaming/ready', 'GET /v1/streaming/ready']);
      expect(outside).toEqual([]);
      expect(pageErrors).toEqual([]);

      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.replace('.png', `-${host}.png`), fullPage: true });
      await page.close();
    },
    TIMEOUT,
  );
});
