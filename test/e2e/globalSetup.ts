/**
 * Builds the app once (skipped when dist/ is newer than every source it comes from) and serves dist/
 * for the e2e files, which read the address with inject('baseUrl').
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { serveDirectory, type RunningServer } from './staticServer';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const INPUTS = ['src', 'public', 'models', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];

function newestMtime(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) {
    // Training runs and caches live under models/training and never reach the bundle.
    if (name === 'training' || name === 'node_modules' || name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

export function distIsFresh(): boolean {
  const built = newestMtime(join(ROOT, 'dist', 'index.html'));
  if (built === 0) return false;
  return INPUTS.every((p) => newestMtime(join(ROOT, p)) <= built);
}

let server: RunningServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.LAMSLIDE_E2E_REBUILD === '1' || !distIsFresh()) {
    const { build } = await import('vite');
    const t0 = Date.now();
    // Vitest sets NODE_ENV=test, which Vite would bake into the bundle (React's development build);
    // the e2e tests must see the same production bundle users get.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root: ROOT, mode: 'production', logLevel: 'warn', configFile: join(ROOT, 'vite.config.ts') });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    console.log(`e2e: built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  server = await serveDirectory(join(ROOT, 'dist'));
  project.provide('baseUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.close();
}
