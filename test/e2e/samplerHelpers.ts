/** Helpers for the sampler e2e files: wait for runs, read the hooks, download and re-open exports. */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeModelIndex } from '../unit/engine/tiny-model';
import { waitForScene } from './browser';
import { decodePng } from './png';
import { serveDirectory, type RunningServer } from './staticServer';

/**
 * Calls `visit` for every screenshot pixel of the 3-D view outside its legend, with the pixel's colour and its
 * page coordinates.
 */
export async function viewPixels(page: Page, visit: (r: number, g: number, b: number, pageX: number, pageY: number) => void): Promise<void> {
  const box = (await page.locator('[data-testid="viewport"]').boundingBox())!;
  const legend = (await page.locator('[data-testid="view-legend"]').boundingBox())!;
  const png = decodePng(await page.locator('[data-testid="viewport"]').screenshot());
  const scale = png.width / box.width;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const px = box.x + x / scale;
      const py = box.y + y / scale;
      if (px >= legend.x && px <= legend.x + legend.width && py >= legend.y && py <= legend.y + legend.height) continue;
      const i = (y * png.width + x) * 4;
      visit(png.data[i], png.data[i + 1], png.data[i + 2], px, py);
    }
  }
}

type IndexEntry = { name: string; path: string; domain: string; default?: boolean };

/** The shipped models of the built app (dist/models/index.json) except those of one domain. */
export async function shippedModelsBut(dist: string, domain: string): Promise<IndexEntry[]> {
  const index = JSON.parse(await readFile(join(dist, 'models', 'index.json'), 'utf8')) as { models: IndexEntry[] };
  return index.models.filter((m) => m.domain !== domain);
}

/**
 * Serves the built app with a test model (already written to modelsDir/<name>) in place of the shipped models of
 * its domain, which the page would otherwise choose for the scene.
 */
export async function serveWithTestModel(dist: string, modelsDir: string, model: { name: string; domain: string }): Promise<RunningServer> {
  const others = await shippedModelsBut(dist, model.domain);
  await writeModelIndex(modelsDir, [...others, { name: model.name, path: model.name, domain: model.domain }]);
  return serveDirectory(dist, { '/models/': modelsDir });
}

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
