/**
 * Under load: 100 samplings and 20 scene loads in a row must not make memory grow. Measured after warming up and
 * again at the end, each after garbage collection: the main thread's JavaScript heap (CDP Runtime.getHeapUsage)
 * and every realm's memory (performance.measureUserAgentSpecificMemory, which the page may call because it is
 * cross-origin isolated): the window, the parse worker and the sampling worker (whose onnxruntime WASM memory
 * counts here). WebGPU buffers are not covered: this runs on WASM (no GPU in CI).
 */
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, openApp, sampleCrowd, waitForScene, type PageLog } from './browser';

let browser: Browser;
let page: Page;
let log: PageLog;
let cdp: CDPSession;

const MB = 1024 * 1024;

beforeAll(async () => {
  // Without this flag measureUserAgentSpecificMemory waits up to 20 s for a natural garbage collection.
  browser = await launchBrowser({ extraArgs: ['--enable-blink-features=ForceEagerMeasureMemory'] });
  ({ page, log } = await openApp(browser, inject('baseUrl')));
  cdp = await page.context().newCDPSession(page);
});
afterAll(async () => {
  await browser?.close();
});

interface Memory {
  mainHeap: number;
  /** bytes per realm: "Window", "parseWorker", "worker" (the sampler) */
  realms: Record<string, number>;
}

async function measure(): Promise<Memory> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const realms = await page.evaluate(async () => {
    const perf = performance as Performance & {
      measureUserAgentSpecificMemory(): Promise<{ breakdown: Array<{ bytes: number; attribution: Array<{ scope: string; url: string }> }> }>;
    };
    const r = await perf.measureUserAgentSpecificMemory();
    const out: Record<string, number> = {};
    for (const b of r.breakdown) {
      for (const a of b.attribution) {
        const key = a.scope === 'Window' ? 'Window' : (/\/assets\/([A-Za-z]+)-[^/]*\.js$/.exec(a.url)?.[1] ?? a.url);
        out[key] = (out[key] ?? 0) + b.bytes / b.attribution.length;
      }
    }
    return out;
  });
  return { mainHeap: usedSize, realms };
}

const fmt = (m: Memory) => `main heap ${(m.mainHeap / MB).toFixed(1)} MB; ${Object.entries(m.realms).map(([k, v]) => `${k} ${(v / MB).toFixed(1)} MB`).join(', ')}`;

async function openDemo(id: string, file: string): Promise<void> {
  await page.click(`[data-testid="demo-${id}"]`);
  await waitForScene(page, file);
}

describe('under load', () => {
  it('keeps the heap and the workers bounded over 100 samplings and 20 scene loads', { timeout: 900_000 }, async () => {
    // Warm-up: one of everything, so the measurement starts with every code path compiled and every cache filled.
    for (let i = 0; i < 3; i++) await sampleCrowd(page, { k: 2, nfe: 1 });
    await openDemo('alanine-dipeptide', 'alanine-dipeptide.pdb');
    await openDemo('crossing-crowd-csv', 'crossing-crowd.csv');
    await sampleCrowd(page, { k: 2, nfe: 1 });
    const before = await measure();

    let samples = 0;
    let loads = 0;
    const cycle: Array<[string, string]> = [
      ['alanine-dipeptide', 'alanine-dipeptide.pdb'],
      ['crossing-crowd', 'crossing-crowd.txt'],
      ['alanine-dipeptide-xyz', 'alanine-dipeptide.xyz'],
      ['crossing-crowd-csv', 'crossing-crowd.csv'],
    ];
    for (let i = 0; i < 100; i++) {
      const st = await sampleCrowd(page, { k: 2, nfe: 1, now: 10 + (i % 3) });
      expect(st.error, `sampling ${i}`).toBeNull();
      samples++;
      // Every 10 samplings, two loads (a molecule, then a crowd again): 20 in all.
      if (i % 10 === 9) {
        for (const [id, file] of [cycle[(loads / 2) % 2 === 0 ? 0 : 2], cycle[(loads / 2) % 2 === 0 ? 1 : 3]]) {
          await openDemo(id, file);
          loads++;
        }
      }
    }
    const after = await measure();
    console.log(`before: ${fmt(before)}\nafter ${samples} samplings and ${loads} scene loads: ${fmt(after)}`);
    expect([samples, loads]).toEqual([100, 20]);

    // A leak of the fan, a scene or a session per run would add up to tens of MB over 100 runs.
    expect(after.mainHeap - before.mainHeap).toBeLessThan(8 * MB);
    for (const realm of ['Window', 'worker', 'parseWorker']) {
      expect(before.realms[realm], `${realm} measured`).toBeGreaterThan(0);
      expect(after.realms[realm] - before.realms[realm], realm).toBeLessThan(Math.max(8 * MB, 0.25 * before.realms[realm]));
    }
    expect(log.errors).toEqual([]);
  });
});
