/** Helpers for the sampler e2e files: wait for runs, read the hooks, download and re-open exports. */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { waitForScene } from './browser';

export const sampleState = (page: Page) => page.evaluate(() => window.__lamslideSample!.state());
export const viewState = (page: Page) => page.evaluate(() => window.__lamslide!.view());

/** Waits until the model list and a model are loaded. */
export async function waitModel(page: Page, name?: string): Promise<void> {
  await page.waitForFunction((n) => {
    const s = window.__lamslideSample?.state();
    return !!s && s.model !== null && (n === undefined || s.model === n) && s.status !== 'loading-model';
  }, name, { timeout: 90_000, polling: 100 });
}

/** Clicks a control that starts sampling and waits until it ended; returns the hook state (throws on error). */
export async function runAndWait(page: Page, testId: string, timeout = 180_000) {
  const before = (await sampleState(page)).runs.length;
  await page.click(`[data-testid="${testId}"]`);
  await page.waitForFunction(
    (n) => {
      const s = window.__lamslideSample!.state();
      return s.status === 'error' || (s.status === 'done' && s.runs.length > n);
    },
    before,
    { timeout, polling: 100 },
  );
  const st = await sampleState(page);
  if (st.error) throw new Error(`sampling failed: ${st.error}`);
  return st;
}

/** Moves keyboard focus off form fields, so the page's shortcuts apply. */
export async function blur(page: Page): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

/** Opens the export dialog, chooses format and scope, downloads, and returns the files (name, text or bytes). */
export async function exportFiles(page: Page, format: string, scope: string | null, count = 1): Promise<{ name: string; bytes: Buffer }[]> {
  await page.click('[data-testid="export-open"]');
  await page.check(`[data-testid="export-format-${format}"]`);
  if (scope) await page.check(`[data-testid="export-scope-${scope}"]`);
  const downloads: Promise<{ name: string; bytes: Buffer }>[] = [];
  const got = new Promise<void>((resolve) => {
    const on = (d: import('playwright-core').Download) => {
      downloads.push(d.path().then((p) => ({ name: d.suggestedFilename(), bytes: readFileSync(p) })));
      if (downloads.length === count) {
        page.off('download', on);
        resolve();
      }
    };
    page.on('download', on);
  });
  await page.click('[data-testid="export-save"]');
  await got;
  await page.waitForSelector('[data-testid="export-done"]');
  await page.keyboard.press('Escape');
  return Promise.all(downloads);
}

/** Opens a file through the file input and waits until it is the scene. */
export async function reopen(page: Page, name: string, bytes: Buffer): Promise<void> {
  await page.locator('[data-testid="file-input"]').setInputFiles({ name, mimeType: 'text/plain', buffer: bytes });
  await waitForScene(page, name);
}

/** The loaded scene's frame f as sourceId -> position. */
export async function sceneFrame(page: Page, f: number): Promise<Map<string, number[]>> {
  const rows = await page.evaluate((frame) => window.__lamslide!.sceneFrame(frame), f);
  return new Map((rows ?? []).map(([id, ...p]) => [id, p]));
}
