/**
 * Builds the app once per test run into a private temporary folder and serves it for the e2e files, which read
 * the address with inject('baseUrl'). Not dist/: other people and tools rebuild dist/ at any time, and a
 * rebuild in the middle of a run swaps the assets under the page being tested.
 * LAMSLIDE_E2E_DIST=<folder> serves an existing build instead (no build step).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { serveDirectory, type RunningServer } from './staticServer';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** the folder being served (the fresh build, or LAMSLIDE_E2E_DIST); tests that serve it with extra files
     *  start their own server */
    distDir: string;
    /** warnings the build printed (none is expected; test/e2e/console.test.ts checks) */
    buildWarnings: string[];
  }
}

const ROOT = resolve(import.meta.dirname, '..', '..');

let server: RunningServer | undefined;
let privateDir: string | undefined;

async function buildInto(outDir: string): Promise<string[]> {
  const { build, createLogger } = await import('vite');
  // Every warning the build prints is kept for a test: a clean build is part of a clean product.
  const warnings: string[] = [];
  const logger = createLogger('warn');
  const warn = logger.warn.bind(logger);
  logger.warn = (msg, o) => {
    warnings.push(msg);
    warn(msg, o);
  };
  const t0 = Date.now();
  // Vitest sets NODE_ENV=test, which Vite would bake into the bundle (React's development build);
  // the e2e tests must see the same production bundle users get.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: ROOT,
      mode: 'production',
      logLevel: 'warn',
      customLogger: logger,
      configFile: join(ROOT, 'vite.config.ts'),
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  console.log(`e2e: built the app in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return warnings;
}

export async function setup(project: TestProject): Promise<void> {
  let dir = process.env.LAMSLIDE_E2E_DIST ? resolve(process.env.LAMSLIDE_E2E_DIST) : undefined;
  let warnings: string[] = [];
  if (!dir) {
    privateDir = mkdtempSync(join(tmpdir(), 'lamslide-e2e-dist-'));
    dir = privateDir;
    warnings = await buildInto(dir);
  }
  server = await serveDirectory(dir);
  project.provide('baseUrl', server.url);
  project.provide('distDir', dir);
  project.provide('buildWarnings', warnings);
}

export async function teardown(): Promise<void> {
  await server?.close();
  if (privateDir) rmSync(privateDir, { recursive: true, force: true });
}
