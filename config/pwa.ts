/**
 * Offline use: a service worker made by vite-plugin-pwa (Workbox's generateSW) precaches the app shell (HTML,
 * scripts, styles, icons), onnxruntime-web's .wasm, the demo scenes and every model models/index.json lists.
 * After the first visit the app opens and samples with the network off.
 *
 * Versioning: Workbox keys each precached file by a revision and, when a new service worker activates, fetches
 * only files whose revision changed and deletes the entries that are gone. The app's own files get Workbox's
 * content hash; the model graphs get the sha256 their manifest states, so a rebuilt model (new sha256 in its
 * manifest) replaces the old graph in the cache and nothing else is downloaded again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { VitePWAOptions } from 'vite-plugin-pwa';
import { graphEntries, parseManifest, parseModelIndex } from '../src/core/sampler/manifest.ts';

export interface PrecacheEntry {
  url: string;
  revision: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Precache entries of the bundled models: index and manifests by their own hash, graphs by their manifest's sha256. */
export function modelPrecacheEntries(root: string): PrecacheEntry[] {
  const indexFile = join(root, 'models', 'index.json');
  if (!existsSync(indexFile)) return [];
  const indexText = readFileSync(indexFile, 'utf8');
  const out: PrecacheEntry[] = [{ url: 'models/index.json', revision: sha256(indexText) }];
  for (const entry of parseModelIndex(JSON.parse(indexText))) {
    const dir = entry.path.replace(/\\/g, '/');
    const manifestText = readFileSync(join(root, 'models', entry.path, 'manifest.json'), 'utf8');
    const manifest = parseManifest(JSON.parse(manifestText), `models/${dir}/manifest.json`);
    out.push({ url: posix.join('models', dir, 'manifest.json'), revision: sha256(manifestText) });
    // the slot graph too, where a model has one: the sampler runs it, so offline use needs it
    for (const [, f] of graphEntries(manifest)) out.push({ url: posix.join('models', dir, f.path), revision: f.sha256 });
  }
  return out;
}

/** The largest file precached: onnxruntime-web's WASM is ~28 MB (Workbox skips files over 2 MiB by default). */
export const MAX_PRECACHED_BYTES = 64 * 1024 * 1024;

export function pwaOptions(root: string): Partial<VitePWAOptions> {
  return {
    // A new version takes over at the next load without asking (the app holds no unsaved work).
    registerType: 'autoUpdate',
    // An external registerSW.js, not an inline script: the CSP allows no inline script.
    injectRegister: 'script-defer',
    // The icons are in the glob below already; listing them twice would only duplicate precache entries.
    includeManifestIcons: false,
    manifest: {
      name: 'LaM-SLidE trajectory sampler',
      short_name: 'LaM-SLidE',
      description: 'Plays back trajectories of molecules, crowds, basketball and N-body systems and samples their futures in the browser.',
      theme_color: '#161b24',
      background_color: '#0d1016',
      display: 'standalone',
      icons: [
        { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
      ],
    },
    workbox: {
      cacheId: 'lamslide',
      globPatterns: ['**/*.{html,js,css,wasm,svg,png,webmanifest}', 'scenes/*'],
      // The models come in with sha256 revisions (above), not with Workbox's own hash.
      globIgnores: ['models/**'],
      additionalManifestEntries: modelPrecacheEntries(root),
      maximumFileSizeToCacheInBytes: MAX_PRECACHED_BYTES,
      navigateFallback: 'index.html',
      cleanupOutdatedCaches: true,
      clientsClaim: true,
      skipWaiting: true,
    },
  };
}
