/**
 * Vite plugin (Node side, used by vite.config.ts): puts the models listed in models/index.json into the build
 * as dist/models/... so the page can fetch them exactly as in development, where Vite serves the repository
 * root. Only what the browser needs is copied: index.json, each manifest.json, the graphs (three, and the slot graph where a model has one) and card.md
 * (not weights.pt or the fixtures).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { graphEntries, parseManifest, parseModelIndex } from '../core/sampler/manifest.ts';

export function modelsPlugin(root = process.cwd()): Plugin {
  return {
    name: 'lamslide-models',
    apply: 'build',
    generateBundle() {
      const modelsDir = resolve(root, 'models');
      const indexFile = join(modelsDir, 'index.json');
      if (!existsSync(indexFile)) {
        this.warn('models/index.json not found: the build has no models');
        return;
      }
      const indexText = readFileSync(indexFile, 'utf8');
      this.emitFile({ type: 'asset', fileName: 'models/index.json', source: indexText });
      for (const entry of parseModelIndex(JSON.parse(indexText))) {
        const dir = resolve(modelsDir, entry.path);
        const manifestText = readFileSync(join(dir, 'manifest.json'), 'utf8');
        const manifest = parseManifest(JSON.parse(manifestText), `models/${entry.path}/manifest.json`);
        const out = (rel: string) => posix.join('models', entry.path.replace(/\\/g, '/'), rel);
        this.emitFile({ type: 'asset', fileName: out('manifest.json'), source: manifestText });
        for (const [, { path: f }] of graphEntries(manifest)) {
          this.emitFile({ type: 'asset', fileName: out(f), source: new Uint8Array(readFileSync(join(dir, f))) });
        }
        if (existsSync(join(dir, 'card.md'))) this.emitFile({ type: 'asset', fileName: out('card.md'), source: readFileSync(join(dir, 'card.md'), 'utf8') });
      }
    },
  };
}
