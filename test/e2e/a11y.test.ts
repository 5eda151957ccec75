/**
 * Accessibility: an axe-core scan (axe-core from npm, evaluated in the page) finds no serious or critical
 * violation on the empty page, with a 2-D crowd and with a molecule loaded; and every visible control can be
 * reached with the Tab key.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp, waitForScene, type PageLog } from './browser';

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

async function seriousViolations(): Promise<Finding[]> {
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  if (found.length > 0) console.log(`axe: ${found.map((f) => `${f.impact} ${f.id} (${f.help}): ${f.nodes.join(', ')}`).join('\n')}`);
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

  it('has none with a molecule loaded', async () => {
    await page.click('[data-testid="demo-alanine-dipeptide"]');
    await waitForScene(page, 'alanine-dipeptide.pdb');
    expect(await seriousViolations()).toEqual([]);
    expect(await unreachableControls()).toEqual([]);
    expect(log.errors).toEqual([]);
  });
});
