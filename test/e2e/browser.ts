/** Shared Chromium setup for the e2e files: the system browser, never a download. */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = process.env.LAMSLIDE_CHROMIUM ?? '/usr/bin/chromium';

/** `webgpu`: also expose a real WebGPU adapter (SwiftShader, software; for correctness, not speed). */
export async function launchBrowser(opts: { webgpu?: boolean; extraArgs?: string[] } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run "node scripts/ensure-chromium.mjs"`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Without a GPU, WebGL needs the software rasteriser; recent Chromium no longer falls back to it unasked.
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      ...(opts.webgpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] : []),
      ...(opts.extraArgs ?? []),
    ],
  });
}

export interface PageLog {
  errors: string[];
  /** console warnings of the page and its workers, as "warning: text (url)" */
  warnings: string[];
  /** HTTP responses with status >= 400, as "status url". */
  failedRequests: string[];
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /**
   * The service worker precaches ~40 MB (WASM and models) in the background after the first load. Tests that are
   * not about it block it, so their timings and memory are not mixed with that download.
   */
  serviceWorkers?: 'allow' | 'block';
}

/** Collects what the page and its workers report: errors, warnings, failed requests. */
export function watchPage(page: Page): PageLog {
  const log: PageLog = { errors: [], warnings: [], failedRequests: [] };
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m: ConsoleMessage) => {
    // Failed loads are tracked with their URL below; the console line alone does not say which.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) log.errors.push(`console: ${m.text()}`);
    if (m.type() === 'warning') log.warnings.push(`warning: ${m.text()} (${m.location().url || m.worker()?.url() || 'page'})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) log.failedRequests.push(`${r.status()} ${r.url()}`);
  });
  return log;
}

/** Opens the app and collects page errors and console errors, so a test can assert there were none. */
export async function openApp(browser: Browser, baseUrl: string, opts: OpenOptions | { width: number; height: number } = {}): Promise<{ page: Page; log: PageLog }> {
  const o: OpenOptions = 'width' in opts ? { viewport: opts } : opts;
  const page = await browser.newPage({ viewport: o.viewport ?? { width: 1280, height: 800 }, serviceWorkers: o.serviceWorkers ?? 'block' });
  const log = watchPage(page);
  await page.goto(baseUrl);
  await page.waitForSelector('[data-testid="viewport"] canvas');
  return { page, log };
}

/** Waits until the scene `name` is shown and nothing is loading. */
export async function waitForScene(page: Page, name: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    (n) => window.__lamslide?.sceneName() === n && !window.__lamslide.loading(),
    name,
    { timeout, polling: 50 },
  );
}

/** Waits until no load is in flight (after a failure the scene name does not change). */
export async function waitIdle(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(() => window.__lamslide !== undefined && !window.__lamslide.loading(), undefined, {
    timeout,
    polling: 50,
  });
}

/** Drops files on the page the way a browser does: dragenter, dragover, drop with a DataTransfer. */
export async function dropFile(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(
    ({ name, text }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'text/plain' }));
      const target = document.querySelector('[data-testid="viewport"]') ?? document.body;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    },
    { name, text },
  );
}

declare global {
  interface Window {
    /** securitypolicyviolation events of the page, collected by watchCsp */
    __cspViolations?: string[];
  }
}

/**
 * Records the page's CSP violations (from before its first script runs). Violations inside workers do not reach
 * the page, but they would stop the worker's work, which the tests check.
 */
export async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations!.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return () => page.evaluate(() => window.__cspViolations ?? ['the violation listener was not installed']);
}

/**
 * Warnings that are not the app's: SwiftShader's GL driver reports a "GPU stall due to ReadPixels" when the
 * compositor reads a WebGL canvas back (headless, no GPU), and Playwright says so when a test blocks the
 * service worker (OpenOptions.serviceWorkers).
 */
export const BROWSER_WARNINGS: readonly RegExp[] = [
  /GL Driver Message \(OpenGL, Performance, .*\): GPU stall due to ReadPixels/,
  /^warning: Service Worker registration blocked by Playwright/,
];

export const ourWarnings = (log: PageLog): string[] => log.warnings.filter((w) => !BROWSER_WARNINGS.some((re) => re.test(w)));

/**
 * Samples K futures from frame `now` with the Sample panel: in the crowd demo (opened unless a crowd demo, .txt or
 * .csv, is already shown), once the model is loaded.
 */
export async function sampleCrowd(page: Page, opts: { k: number; nfe: number; now?: number; timeout?: number }): Promise<NonNullable<ReturnType<NonNullable<Window['__lamslideSample']>['state']>>> {
  if (!(await page.evaluate(() => window.__lamslide?.sceneName() ?? '')).startsWith('crossing-crowd.')) {
    await page.click('[data-testid="demo-crossing-crowd"]');
    await waitForScene(page, 'crossing-crowd.txt');
  }
  await page.waitForFunction(() => window.__lamslideSample?.state().model != null, undefined, { timeout: opts.timeout ?? 120_000 });
  const now = opts.now ?? 12;
  while ((await page.evaluate(() => window.__lamslide!.frame())) !== now) {
    await page.keyboard.press((await page.evaluate(() => window.__lamslide!.frame())) < now ? 'ArrowRight' : 'ArrowLeft');
  }
  await page.fill('[data-testid="sample-k"]', String(opts.k));
  await page.fill('[data-testid="sample-nfe"]', String(opts.nfe));
  await page.waitForFunction(() => !(document.querySelector('[data-testid="sample-run"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: opts.timeout ?? 120_000 });
  const before = await page.evaluate(() => window.__lamslideSample!.state().ms);
  await page.click('[data-testid="sample-run"]');
  await page.waitForFunction(
    (prev) => {
      const s = window.__lamslideSample?.state();
      return s !== undefined && (s.status === 'error' || (s.status === 'done' && s.ms !== prev));
    },
    before,
    { timeout: opts.timeout ?? 180_000, polling: 50 },
  );
  return page.evaluate(() => window.__lamslideSample!.state());
}
