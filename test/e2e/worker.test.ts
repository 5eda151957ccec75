/**
 * The sampling worker in Chromium: it downloads onnxruntime's WASM binary itself (reporting bytes, as for the
 * graphs), hands it to onnxruntime, and threaded WASM (2 threads, cross-origin isolated page) runs with it.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser';
import { startEngineServer } from './engineServer';
import type { WorkerRunRequest, WorkerRunResult } from './pages/worker-page';
import { writeTinyModel } from '../unit/engine/tiny-model';

let browser: Browser;
let page: Page;
let server: ViteDevServer;
let tmp: string;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lamslide-worker-'));
  await writeTinyModel(join(tmp, 'tiny'), { D: 2, L: 4, C: 16, P: 24, observed: 8, future: 12 });
  const s = await startEngineServer({ '/__tmp/': tmp });
  server = s.server;
  base = s.url;
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[page ${m.type()}] ${m.text()}`);
  });
  page.on('request', (r: Request) => requests.push(r.url()));
  await page.goto(`${base}/test/e2e/pages/worker.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', undefined, { timeout: 120_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('sampling worker in Chromium', () => {
  it('reports download progress for the graphs and the WASM binary, and samples with threaded WASM', async () => {
    const req: WorkerRunRequest = { modelUrl: `${base}/__tmp/tiny/`, numThreads: 2, backend: 'wasm' };
    const r: WorkerRunResult = await page.evaluate((q) => window.lamslideWorkerTest!.run(q), req);
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.backend).toBe('wasm');
    const files = [...new Set(r.progress.map((p) => p.file))];
    expect(files).toEqual(['encoder.onnx', 'approximator.onnx', 'decoder.onnx', 'ort-wasm-simd-threaded.jsep.wasm']);
    const wasmSize = statSync(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm')).size;
    const wasm = r.progress.filter((p) => p.file.endsWith('.wasm'));
    expect(wasm.at(-1)).toEqual({ file: 'ort-wasm-simd-threaded.jsep.wasm', loaded: wasmSize, total: wasmSize });
    expect(wasm.filter((p) => p.loaded > 0 && p.loaded < wasmSize).length).toBeGreaterThan(10);
    expect(r.future.length).toBe(3 * 12 * 4 * 2);
    expect(r.future.every(Number.isFinite)).toBe(true);
    expect(r.compare.nfe).toBe(4);
    expect(r.compare.evaluations.at(-1)).toBe(4);
    // onnxruntime did not fetch the binary a second time: it got ours
    // (the dev server's "?import&url" request is the JS module of the URL import, not the binary)
    expect(requests.filter((u) => /\.wasm(\?(?!import)|$)/.test(u)).length).toBe(1);
    // 2 threads: onnxruntime started a pthread worker (its bundle, loaded as a worker script) beside ours
    expect(requests.filter((u) => u.includes('/ort.bundle.min.mjs')).length).toBeGreaterThanOrEqual(2);
  });
});
