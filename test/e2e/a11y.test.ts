/**
 * Accessibility: an axe-core scan (axe-core from npm, evaluated in the page) finds no serious or critical
 * violation on the empty page, with a 2-D crowd and with a molecule loaded, and no landmark that is not unique
 * (the two side columns are labelled); every visible control can be reached with the Tab key; and the 3-D view,
 * once focused, orbits, pans, zooms and resets from the keyboard, as the Keys panel says.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';
import { waitModel } from './samplerHelpers';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
let page: Page;
let log: PageLog;

beforeAll(async () => {
  browser = await launchBrowser();
  ({ page, log } = await openApp(browser, inject('baseUrl')));
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script> tag would be refused).
  await page.evaluate(AXE_SOURCE);
});
afterAll(async () => {
  await browser?.close();
});

interface Finding {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

let lastFindings: Finding[] = [];

async function seriousViolations(): Promise<Finding[]> {
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  if (found.length > 0) console.log(`axe: ${found.map((f) => `${f.impact} ${f.id} (${f.help}): ${f.nodes.join(', ')}`).join('\n')}`);
  lastFindings = found;
  return found.filter((f) => f.impact === 'serious' || f.impact === 'critical');
}

/** Tabs through the page and returns which visible, enabled controls were never focused. */
async function unreachableControls(): Promise<string[]> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    document.querySelectorAll('[data-a11y-seen]').forEach((e) => e.removeAttribute('data-a11y-seen'));
  });
  const total = await page.evaluate(() => document.querySelectorAll('button, input, select, textarea, a[href], [tabindex]').length);
  for (let i = 0; i < total + 5; i++) {
    await page.keyboard.press('Tab');
    await page.evaluate(() => document.activeElement?.setAttribute('data-a11y-seen', ''));
  }
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])')]
      .filter((e) => !(e as HTMLButtonElement).disabled && e.getClientRects().length > 0 && e.offsetWidth > 1 && e.offsetHeight > 1)
      .filter((e) => !e.hasAttribute('data-a11y-seen'))
      // A radio group is one Tab stop (its checked radio); the others are reached with the arrow keys.
      .filter((e) => !(e instanceof HTMLInputElement && e.type === 'radio' && document.querySelector(`input[type="radio"][name="${e.name}"][data-a11y-seen]`)))
      .map((e) => e.getAttribute('data-testid') ?? e.id ?? e.outerHTML.slice(0, 60)),
  );
}

describe('accessibility', () => {
  it('has no serious or critical axe violations on the empty page, and every control is reachable by Tab', async () => {
    await page.waitForSelector('[data-testid^="demo-"]');
    // The model picker is disabled while the default model loads (longer under load, with more listed models): a
    // control that turns enabled only after the Tab walk would count as unreachable.
    await waitModel(page);
    expect(await seriousViolations()).toEqual([]);
    expect(await unreachableControls()).toEqual([]);
  });

  it('has none with a 2-D crowd loaded', async () => {
    await page.click('[data-testid="demo-crossing-crowd"]');
    await waitForScene(page, 'crossing-crowd.txt');
    await page.waitForFunction(() => window.__lamslideSample?.state().model != null, undefined, { timeout: 120_000 });
    expect(await seriousViolations()).toEqual([]);
    expect(await unreachableControls()).toEqual([]);
  });

  it('has none with a molecule loaded, and its landmarks are unique', async () => {
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    // the molecule model loads for the demo (ala2, which offers to take every 2nd of its 0.5 ps frames): let its
    // load finish, or its controls are disabled while Tab runs
    await page.waitForFunction(() => {
      const s = window.__lamslideSample?.state();
      return s != null && s.model != null && s.status !== 'loading-model';
    }, undefined, { timeout: 120_000 });
    expect(await seriousViolations()).toEqual([]);
    expect(lastFindings.filter((f) => f.id === 'landmark-unique')).toEqual([]);
    expect(await page.getByRole('complementary').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual(['Scenes and keys', 'Sampler']);
    expect(await unreachableControls()).toEqual([]);
    expect(log.errors).toEqual([]);
  });

  it('moves the 3-D view from the keyboard once it has focus: orbit, pan, zoom, reset', async () => {
    const camera = () => page.evaluate(() => window.__lamslide!.camera()!);
    const dist = (c: { position: number[]; target: number[] }) => Math.hypot(...c.position.map((p, i) => p - c.target[i]));
    const view = page.getByRole('application', { name: '3-D view' });
    expect(await view.getAttribute('aria-describedby')).toBe('view-keys-help');
    const keys = await page.locator('[data-testid="view-shortcuts"]').innerText();
    for (const what of ['orbit', 'pan', 'zoom in / out', 'reset the camera']) expect(keys).toContain(what);
    // Reached with Tab like every control.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (let i = 0; i < 200 && !(await view.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await view.evaluate((e) => e === document.activeElement)).toBe(true);
    const start = await camera();
    const frame = await page.evaluate(() => window.__lamslide!.frame());
    // orbit: the camera turns around the same target at the same distance; the arrow does not step the timeline
    await page.keyboard.press('ArrowLeft');
    const orbited = await camera();
    expect(orbited.target).toEqual(start.target);
    expect(dist(orbited)).toBeCloseTo(dist(start), 6);
    expect(Math.hypot(...orbited.position.map((p, i) => p - start.position[i]))).toBeGreaterThan(dist(start) * 0.2);
    await page.keyboard.press('ArrowUp');
    expect((await camera()).position[1]).not.toBeCloseTo(orbited.position[1], 3);
    expect(await page.evaluate(() => window.__lamslide!.frame())).toBe(frame);
    // pan: target and camera move together
    const beforePan = await camera();
    await page.keyboard.press('Shift+ArrowRight');
    const panned = await camera();
    const moved = panned.target.map((t, i) => t - beforePan.target[i]);
    expect(Math.hypot(...moved)).toBeGreaterThan(1e-3);
    panned.position.forEach((p, i) => expect(p - beforePan.position[i]).toBeCloseTo(moved[i], 6));
    // zoom in and out by 1.25
    await page.keyboard.press('+');
    expect(dist(await camera())).toBeCloseTo(dist(panned) / 1.25, 4);
    await page.keyboard.press('-');
    await page.keyboard.press('-');
    expect(dist(await camera())).toBeCloseTo(dist(panned) * 1.25, 4);
    // reset: back to the framed view
    await page.keyboard.press('r');
    const reset = await camera();
    reset.position.forEach((p, i) => expect(p).toBeCloseTo(start.position[i], 4));
    reset.target.forEach((p, i) => expect(p).toBeCloseTo(start.target[i], 6));
    // Space still plays and pauses with the view focused
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('[data-testid="play"]')?.getAttribute('data-playing') === 'true');
    await page.keyboard.press('Space');
    expect(log.errors).toEqual([]);
  });
});
