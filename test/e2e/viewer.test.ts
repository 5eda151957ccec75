/**
 * The viewer end to end in real Chromium against the production build: demo scenes, file input, drag and drop,
 * timeline, keyboard, error banner, and that pixels are actually drawn.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { dropFile, launchBrowser, openApp, waitForScene, waitIdle, type PageLog } from './browser';
import { decodePng, fractionUnlike } from './png';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// A real recording from the staged data beside the checkout (CI has it); read in place, never copied.
const REAL_ETH = resolve(__dirname, '../../../shared/data/eth_ucy/hotel/val/biwi_eth_val.txt');

const BACKGROUND: [number, number, number] = [0x12, 0x16, 0x1d];

let browser: Browser;
let page: Page;
let log: PageLog;

const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();
const hook = <T>(fn: () => T) => page.evaluate(fn);

beforeAll(async () => {
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, inject('baseUrl')));
});

afterAll(async () => {
  await browser?.close();
});

describe('viewer', () => {
  it('opens the molecule demo and draws every atom', async () => {
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    expect(await text('entity-count')).toBe('22');
    expect(await page.locator('[data-testid="scene-info"]').getAttribute('data-kind')).toBe('molecule');
    expect(await hook(() => window.__lamslide!.drawnEntities())).toBe(22);
    expect(await text('frame-readout')).toBe('frame 0 / 100');

    // The screenshot goes through the whole compositor; a blank or black canvas fails here.
    const png = decodePng(await page.locator('[data-testid="viewport"]').screenshot());
    const lit = fractionUnlike(png, BACKGROUND);
    expect(lit).toBeGreaterThan(0.01);
    expect(lit).toBeLessThan(0.6);
  });

  it('opens the crowd demo, scrubs, steps with the keyboard and shows time', async () => {
    await page.click('[data-testid="demo-crossing-crowd"]');
    await waitForScene(page, 'crossing-crowd.txt');
    expect(await text('entity-count')).toBe('16');
    expect(await hook(() => window.__lamslide!.drawnEntities())).toBe(16);
    expect(await text('frame-readout')).toBe('frame 0 / 60');
    expect(await text('time-readout')).toBe('0.0 s');

    await page.locator('[data-testid="scrub"]').fill('30');
    expect(await text('frame-readout')).toBe('frame 30 / 60');
    expect(await text('time-readout')).toBe('12.0 s');
    expect(await hook(() => window.__lamslide!.frame())).toBe(30);

    await page.keyboard.press('ArrowRight');
    expect(await text('frame-readout')).toBe('frame 31 / 60');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await hook(() => window.__lamslide!.frame())).toBe(29);
    await page.keyboard.press('End');
    expect(await text('frame-readout')).toBe('frame 59 / 60');
    expect(await text('time-readout')).toBe('23.6 s');
    await page.keyboard.press('Home');
    expect(await hook(() => window.__lamslide!.frame())).toBe(0);

    const png = decodePng(await page.locator('[data-testid="viewport"]').screenshot());
    expect(fractionUnlike(png, BACKGROUND)).toBeGreaterThan(0.05);
  });

  it('plays, pauses and plays with the space bar', async () => {
    await page.selectOption('[data-testid="speed"]', '4');
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => window.__lamslide!.frame() >= 3, undefined, { timeout: 10_000, polling: 50 });
    expect(await page.locator('[data-testid="play"]').getAttribute('data-playing')).toBe('true');
    expect(await text('frame-readout')).not.toBe('frame 0 / 60');

    await page.keyboard.press('Space');
    expect(await page.locator('[data-testid="play"]').getAttribute('data-playing')).toBe('false');
    const stopped = await hook(() => window.__lamslide!.frame());
    await page.waitForTimeout(400);
    expect(await hook(() => window.__lamslide!.frame())).toBe(stopped);

    await page.keyboard.press('Space');
    await page.waitForFunction((f) => window.__lamslide!.frame() !== f, stopped, { timeout: 10_000, polling: 50 });
    await page.keyboard.press('Space');
    await page.selectOption('[data-testid="speed"]', '1');
  });

  it('opens a file chosen with the file input', async () => {
    const frames = [0, 1, 2, 3, 4].map((k) => {
      const dx = 0.05 * k;
      return `3\nwater frame=${k} dt=10 dt_unit=fs\nO ${dx} 0 0\nH ${0.96 + dx} 0 0\nH ${-0.24 + dx} 0.93 0\n`;
    });
    await page.locator('[data-testid="file-input"]').setInputFiles({
      name: 'water.xyz',
      mimeType: 'text/plain',
      buffer: Buffer.from(frames.join('')),
    });
    await waitForScene(page, 'water.xyz');
    expect(await text('entity-count')).toBe('3');
    expect(await hook(() => window.__lamslide!.drawnEntities())).toBe(3);
    expect(await text('frame-readout')).toBe('frame 0 / 5');
    await page.keyboard.press('End');
    expect(await text('time-readout')).toBe('40 fs');
  });

  it.skipIf(!existsSync(REAL_ETH))('opens and plays a real ETH/UCY recording', async () => {
    await page.locator('[data-testid="file-input"]').setInputFiles({
      name: 'biwi_eth_val.txt',
      mimeType: 'text/plain',
      buffer: readFileSync(REAL_ETH),
    });
    await waitForScene(page, 'biwi_eth_val.txt');
    expect(Number(await text('entity-count'))).toBeGreaterThan(20);
    const before = await hook(() => window.__lamslide!.frame());
    await page.keyboard.press('End');
    const last = await hook(() => window.__lamslide!.frame());
    expect(last).toBeGreaterThan(before);
    await page.keyboard.press('Home');
    expect(await hook(() => window.__lamslide!.frame())).toBe(0);
    expect(await hook(() => window.__lamslide!.drawnEntities())).toBeGreaterThan(0);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.__lamslide!.frame() > 0);
    await page.keyboard.press('Space');
  });

  it('opens a file dropped on the window', async () => {
    const rows = ['frame,id,x,y'];
    for (let f = 0; f < 8; f++) for (let i = 0; i < 5; i++) rows.push(`${f},${i},${i + 0.3 * f},${0.5 * i}`);
    await dropFile(page, 'dropped.csv', rows.join('\n') + '\n');
    await waitForScene(page, 'dropped.csv');
    expect(await text('entity-count')).toBe('5');
    expect(await hook(() => window.__lamslide!.drawnEntities())).toBe(5);
    expect(await text('frame-readout')).toBe('frame 0 / 8');
  });

  it('reports a malformed file with file and line, and keeps the previous scene', async () => {
    await dropFile(page, 'broken.txt', '0\t1\t1.0\t2.0\n0\t2\t3.0\t4.0\n10\t1\tnope\t2.5\n');
    await page.waitForSelector('[data-testid="error-banner"]');
    await waitIdle(page);
    const banner = await text('error-banner');
    expect(banner).toContain('broken.txt');
    expect(banner).toContain('line 3');
    expect(banner).toContain('nope');
    expect(await page.locator('[data-testid="error-banner"]').getAttribute('data-line')).toBe('3');
    // Still the dropped CSV, still drawn.
    expect(await hook(() => window.__lamslide!.sceneName())).toBe('dropped.csv');
    expect(await text('entity-count')).toBe('5');
    expect(await hook(() => window.__lamslide!.drawnEntities())).toBe(5);

    // Via the file input as well, and a good file afterwards clears the banner.
    await page.locator('[data-testid="file-input"]').setInputFiles({
      name: 'bad.pdb',
      mimeType: 'text/plain',
      buffer: Buffer.from('ATOM      1  N   ALA A   1      11.104   abcdef  12.000  1.00  0.00           N\n'),
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="error-banner"]')?.getAttribute('data-file') === 'bad.pdb');
    expect(await page.locator('[data-testid="error-banner"]').getAttribute('data-line')).toBe('1');
    expect(await hook(() => window.__lamslide!.sceneName())).toBe('dropped.csv');
    await page.click('[data-testid="demo-crossing-crowd-csv"]');
    await waitForScene(page, 'crossing-crowd.csv');
    expect(await page.locator('[data-testid="error-banner"]').count()).toBe(0);
  });

  it('logged no page errors and no failed requests', () => {
    expect(log.errors).toEqual([]);
    expect(log.failedRequests).toEqual([]);
  });
});
