/**
 * The Content-Security-Policy of the production build: present (as the server's header and as the page's
 * <meta> tag), strict (no unsafe-eval, no inline script), and sampling still works under it: on WASM, on
 * WebGPU (SwiftShader), and with onnxruntime-web's own thread workers (numThreads 2), which the Sample panel
 * only starts on machines with more cores than this one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { contentSecurityPolicy } from '../../config/csp';
import { launchBrowser, openApp, ourWarnings, sampleCrowd, watchCsp, watchPage } from './browser';

const browsers: Browser[] = [];
afterAll(async () => {
  for (const b of browsers) await b.close();
});

describe('Content-Security-Policy', () => {
  it('is strict, sent with every file and carried by index.html, which has no inline script', async () => {
    const policy = contentSecurityPolicy();
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(policy).not.toMatch(/'unsafe-eval'|\*|blob:/);
    for (const d of ['worker-src', 'connect-src']) expect(policy).toContain(`${d} 'self';`);
    // The plots' two needs (config/csp.ts): data: images and inline styles; scripts stay strict.
    expect(policy).toContain("img-src 'self' data:;");
    expect(policy).toContain("style-src 'self' 'unsafe-inline';");

    const base = inject('baseUrl');
    const dist = inject('distDir');
    const worker = readdirSync(join(dist, 'assets')).find((f) => /^worker-.*\.js$/.test(f))!;
    for (const path of ['', 'sw.js', `assets/${worker}`, 'models/index.json']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toBe(policy);
    }
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
    expect(meta?.[1].replace(/&#39;/g, "'")).toBe(contentSecurityPolicy({ meta: true }));
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+="/); // no inline event handlers
  });

  it('lets the page sample on WASM with no violation and a clean console', async () => {
    const browser = await launchBrowser();
    browsers.push(browser);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
    const violations = await watchCsp(page);
    const log = watchPage(page);
    const res = await page.goto(inject('baseUrl'));
    expect(res?.headers()['content-security-policy']).toBe(contentSecurityPolicy());
    expect(await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'))).toBe(
      contentSecurityPolicy({ meta: true }),
    );
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.waitForSelector('[data-testid="viewport"] canvas');
    const st = await sampleCrowd(page, { k: 4, nfe: 3 });
    expect(st.error).toBeNull();
    expect(st.backend).toBe('wasm');
    expect(st.lines).toBeGreaterThan(0);
    expect(await violations()).toEqual([]);
    expect(log.errors).toEqual([]);
    expect(ourWarnings(log)).toEqual([]);
  });

  it('lets onnxruntime-web start its thread workers (numThreads 2) without blob: workers', async () => {
    const browser = await launchBrowser();
    browsers.push(browser);
    const { page, log } = await openApp(browser, inject('baseUrl'));
    const violations = await watchCsp(page);
    await page.reload();
    await page.waitForSelector('[data-testid="viewport"] canvas');
    const worker = readdirSync(join(inject('distDir'), 'assets')).find((f) => /^worker-.*\.js$/.test(f))!;
    // The built sampling worker, driven through its message protocol (src/engine/protocol.ts) as the panel does,
    // but with two WASM threads.
    const r = await page.evaluate(async (url) => {
      const w = new Worker(url, { type: 'module' });
      const ask = (msg: Record<string, unknown>) =>
        new Promise<Record<string, unknown>>((resolve) => {
          w.onmessage = (e: MessageEvent<Record<string, unknown>>) => {
            if (e.data.type !== 'progress' && e.data.type !== 'load-progress') resolve(e.data);
          };
          w.postMessage(msg);
        });
      const loaded = await ask({ type: 'load', id: 1, modelUrl: new URL('models/eth_ucy-all/', document.baseURI).href, backend: 'wasm', numThreads: 2 });
      const T = 20;
      const N = 3;
      const pos = new Float32Array(T * N * 2).map((_, i) => Math.sin(i * 0.37) * 3);
      const mask = new Float32Array(T * N).fill(1);
      const result = await ask({ type: 'sample', id: 2, T, N, D: 2, pos, mask, K: 2, nfe: 2, solver: 'ddim', seed: 1, known: 8 });
      return { loaded: loaded.type, backend: loaded.backend, result: result.type, message: result.message ?? null, finite: result.future instanceof Float32Array && result.future.every(Number.isFinite) };
    }, new URL(`assets/${worker}`, inject('baseUrl')).href);
    expect(r).toEqual({ loaded: 'loaded', backend: 'wasm', result: 'result', message: null, finite: true });
    // The sampling worker plus its threads: every worker is the same-origin worker script, none a blob: URL.
    const workers = page.workers().map((w) => w.url());
    expect(workers.filter((u) => u.endsWith(worker)).length, workers.join(', ')).toBeGreaterThanOrEqual(2);
    expect(workers.filter((u) => u.startsWith('blob:'))).toEqual([]);
    expect(await violations()).toEqual([]);
    expect(log.errors).toEqual([]);
  });

  it('lets the page sample on WebGPU (SwiftShader) with no violation', async () => {
    const browser = await launchBrowser({ webgpu: true });
    browsers.push(browser);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
    const violations = await watchCsp(page);
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(inject('baseUrl'));
    expect(res?.headers()['content-security-policy']).toBe(contentSecurityPolicy());
    await page.waitForSelector('[data-testid="viewport"] canvas');
    const st = await sampleCrowd(page, { k: 2, nfe: 2, timeout: 240_000 });
    expect(st.error).toBeNull();
    expect(st.backend).toBe('webgpu');
    expect(st.lines).toBeGreaterThan(0);
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
  }, 300_000);
});
