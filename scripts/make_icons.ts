/**
 * Renders public/favicon.svg into the PNG icons the web app manifest lists (public/icon-192.png, icon-512.png),
 * with the system Chromium. Run after changing the SVG: `npx tsx scripts/make_icons.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../test/e2e/browser.ts';

const PUBLIC = resolve(import.meta.dirname, '..', 'public');

const svg = readFileSync(join(PUBLIC, 'favicon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
try {
  for (const size of [192, 512]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    writeFileSync(join(PUBLIC, `icon-${size}.png`), png);
    await page.close();
    console.log(`public/icon-${size}.png: ${png.length} bytes`);
  }
} finally {
  await browser.close();
}
