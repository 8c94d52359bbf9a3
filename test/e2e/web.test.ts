// End to end, as a person would use it: the live training page (examples/web) built with Vite,
// served on localhost, opened in Debian's Chromium driven by playwright-core (no browser
// download). Start training, wait until the loss falls below its first value, draw a digit with
// the mouse, see the probability bars, save a screenshot to test/e2e/out/web.png.
//
// Needs /usr/bin/chromium (Debian's `chromium` package; .ci/run installs it). Without it the test
// is skipped with a warning, unless CI is set: then it fails. CHROMIUM_PATH overrides the path.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONFIG = fileURLToPath(new URL('../../examples/web/vite.config.ts', import.meta.url));
const OUT = fileURLToPath(new URL('./out/', import.meta.url));

// This machine has no network: without these, Chromium's background connections fail at every start.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`the e2e test needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
if (!haveChromium) console.warn(`test/e2e/web.test.ts: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!haveChromium)('the live training page in Chromium', () => {
  let temp = '';
  let server: PreviewServer | null = null;
  let dev: ViteDevServer | null = null;
  let context: BrowserContext | null = null;

  beforeAll(async () => {
    temp = mkdtempSync(path.join(tmpdir(), 'tensorkit-e2e-'));
    // The static build, as `npm run web:build` makes it, served by Vite's preview server.
    const outDir = path.join(temp, 'dist');
    await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
    server = await preview({ configFile: CONFIG, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
    context = await chromium.launchPersistentContext(path.join(temp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 1000 },
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await dev?.close();
    await server?.close();
    if (temp !== '') rmSync(temp, { recursive: true, force: true });
  });

  it('trains, lowers the loss, reads a drawn digit, and is screenshotted', async () => {
    const page = await context!.newPage();
    const errors = watchErrors(page);
    await page.goto(`${urlOf(server!.httpServer.address())}?model=mlp&batch=32&epochs=20`);

    await page.locator('#state[data-state="ready"]').waitFor({ timeout: 30_000 });
    // Served cross-origin isolated (vite.config.ts), so the training worker may share memory
    // with tensorkit's GEMM threads.
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    await expect.poll(() => page.locator('#summary').textContent()).toContain('dense');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('#state[data-state="training"]').waitFor({ timeout: 10_000 });

    // The smoothed loss falls below the first batch's loss.
    await page.waitForFunction(() => {
      const first = Number(document.querySelector<HTMLElement>('#loss-first')?.dataset.value || NaN);
      const now = Number(document.querySelector<HTMLElement>('#loss-now')?.dataset.value || NaN);
      return Number.isFinite(first) && Number.isFinite(now) && now < first;
    }, undefined, { timeout: 60_000, polling: 100 });
    const first = Number(await page.locator('#loss-first').getAttribute('data-value'));
    const now = Number(await page.locator('#loss-now').getAttribute('data-value'));
    expect(now).toBeLessThan(first);

    // No probabilities before anything is drawn.
    expect(await page.locator('[data-testid="prob-bar"]').count()).toBe(0);
    await drawSeven(page);
    const bars = page.locator('[data-testid="prob-bar"]');
    await bars.first().waitFor({ timeout: 10_000 });
    await expect.poll(() => bars.count()).toBe(10);
    const widths = await bars.evaluateAll((els) => els.map((el) => parseFloat((el as HTMLElement).style.width)));
    expect(widths.every(Number.isFinite)).toBe(true);
    expect(widths.reduce((a, b) => a + b, 0)).toBeGreaterThan(98); // percentages of a softmax
    expect(Math.max(...widths)).toBeGreaterThan(0);

    // Speed shown, gradient norms listed per layer, the first epoch's test accuracy reported.
    await page.waitForFunction(() => document.querySelector('#acc-test')?.textContent?.endsWith('%') === true, undefined, { timeout: 60_000 });
    expect(Number(await page.locator('#speed').getAttribute('data-value'))).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#grad-legend li').allTextContents()).toEqual([
      expect.stringMatching(/^dense\s+‖g‖ = \d\.\d\de[-+]\d+$/),
      expect.stringMatching(/^dense_1\s+‖g‖ = \d\.\d\de[-+]\d+$/),
    ]);

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#state[data-state="paused"]').waitFor({ timeout: 10_000 });
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, 'web.png'), fullPage: true });

    // Paused means paused; Resume goes on; Reset gives a fresh model and empty curves.
    const seen = async (): Promise<number> => Number((await page.locator('#seen').textContent())!.replace(/,/g, ''));
    const pausedAt = await seen();
    await page.waitForTimeout(500);
    expect(await seen()).toBe(pausedAt);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(seen, { timeout: 10_000 }).toBeGreaterThan(pausedAt);
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.locator('#state[data-state="ready"]').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300); // anything the old model still had in flight arrives, and is dropped
    expect(await seen()).toBe(0);
    expect(await page.locator('#loss-first').getAttribute('data-value')).toBe('');
    expect(errors).toEqual([]);
  }, 150_000);

  it('`npm run web` (the dev server) serves the page, its worker and the digits', async () => {
    // No file watching: edits to src/ elsewhere in the repo must not reload the page mid-test.
    dev = await createServer({ configFile: CONFIG, logLevel: 'error', server: { host: '127.0.0.1', port: 0, watch: null, hmr: false } });
    await dev.listen();
    const page = await context!.newPage();
    const errors = watchErrors(page);
    await page.goto(`${urlOf(dev.httpServer!.address())}?model=cnn`);
    await page.locator('#state[data-state="ready"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('#summary').textContent()).toContain('conv2d');
    // The feature maps of the CNN's first layer for a test digit (nothing drawn yet).
    await expect.poll(() => page.locator('#maps-caption').textContent()).toBe('8 maps of 26×26');
    expect(errors).toEqual([]);
  }, 90_000);
});

function urlOf(address: string | AddressInfo | null | undefined): string {
  if (address === null || address === undefined || typeof address === 'string') throw new Error(`the server has no TCP address: ${String(address)}`);
  return `http://127.0.0.1:${address.port}/`;
}

/** Uncaught errors, console errors and failed requests of the page (and its worker). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** A 7 drawn with the mouse on the pad: a top bar, then a diagonal stroke down. */
async function drawSeven(page: Page): Promise<void> {
  const box = await page.locator('#pad').boundingBox();
  if (box === null) throw new Error('the drawing pad is not visible');
  const at = (fx: number, fy: number): [number, number] => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(0.3, 0.25));
  await page.mouse.down();
  await page.mouse.move(...at(0.7, 0.25), { steps: 12 });
  await page.mouse.move(...at(0.45, 0.8), { steps: 16 });
  await page.mouse.up();
}
