/**
 * The Sample panel on WebGPU: the production build in Chromium with SwiftShader's WebGPU adapter. The worker
 * picks WebGPU, keeps the latents on the GPU between flow steps, and the panel says so.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, waitForScene } from './browser';

let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser({ webgpu: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  await page.goto(inject('baseUrl'));
  await page.waitForSelector('[data-testid="viewport"] canvas');
});

afterAll(async () => {
  await browser?.close();
});

describe('Sample panel on WebGPU', () => {
  it('samples on WebGPU with the latents kept on the GPU', async () => {
    await page.click('[data-testid="demo-crossing-crowd"]');
    await waitForScene(page, 'crossing-crowd.txt');
    await page.waitForFunction(() => window.__lamslideSample?.state().model != null, undefined, { timeout: 120_000 });
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
    await page.fill('[data-testid="sample-k"]', '4');
    await page.fill('[data-testid="sample-nfe"]', '3');
    await page.click('[data-testid="sample-run"]');
    await page.waitForFunction(() => ['done', 'error'].includes(window.__lamslideSample?.state().status ?? ''), undefined, { timeout: 180_000 });
    const st = await page.evaluate(() => window.__lamslideSample!.state());
    const status = await page.locator('[data-testid="sample-status"]').innerText();
    console.log(`sample panel (WebGPU run): ${status}`);
    expect(st.error).toBeNull();
    expect(st.backend).toBe('webgpu');
    expect(status).toMatch(/4 futures × \d+ pedestrians in \d+ ms on WebGPU \(latents kept on the GPU\)/);
    expect(st.lines).toBeGreaterThan(0);
    expect(errors, errors.join("\n")).toEqual([]);
  });
});
