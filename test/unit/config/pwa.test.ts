import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelPrecacheEntries, pwaOptions } from '../../../config/pwa';
import { writeTinyModel } from '../engine/tiny-model';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-pwa-'));
  await mkdir(join(root, 'models'));
  await writeTinyModel(join(root, 'models', 'tiny'), { D: 2, L: 2, C: 4, P: 4, observed: 2, future: 2 });
  await writeFile(join(root, 'models', 'index.json'), JSON.stringify({ models: [{ name: 'tiny', path: 'tiny', domain: 'pedestrian', default: true }] }));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('service worker precache of the models', () => {
  it('keys every graph by the sha256 its manifest states', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'models', 'tiny', 'manifest.json'), 'utf8'));
    const entries = modelPrecacheEntries(root);
    expect(entries.map((e) => e.url)).toEqual([
      'models/index.json',
      'models/tiny/manifest.json',
      'models/tiny/encoder.onnx',
      'models/tiny/approximator.onnx',
      'models/tiny/decoder.onnx',
    ]);
    for (const g of ['encoder', 'approximator', 'decoder']) {
      expect(entries.find((e) => e.url === `models/tiny/${g}.onnx`)?.revision).toBe(manifest.files[g].sha256);
    }
  });

  it('precaches the slot graph of a model that lists one (the sampler runs it)', async () => {
    const file = join(root, 'models', 'tiny', 'manifest.json');
    const text = await readFile(file, 'utf8');
    try {
      const manifest = JSON.parse(text);
      manifest.files.slot_approximator = { path: 'slot_approximator.onnx', sha256: 'e'.repeat(64) };
      await writeFile(file, JSON.stringify(manifest, null, 2));
      const e = modelPrecacheEntries(root).find((x) => x.url === 'models/tiny/slot_approximator.onnx');
      expect(e?.revision).toBe('e'.repeat(64));
    } finally {
      await writeFile(file, text);
    }
  });

  it('gives a rebuilt model new revisions, so the new service worker replaces its files', async () => {
    const before = modelPrecacheEntries(root);
    const file = join(root, 'models', 'tiny', 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.files.approximator.sha256 = 'f'.repeat(64);
    await writeFile(file, JSON.stringify(manifest, null, 2));
    const after = modelPrecacheEntries(root);
    const changed = after.filter((e, i) => e.revision !== before[i].revision).map((e) => e.url);
    expect(changed).toEqual(['models/tiny/manifest.json', 'models/tiny/approximator.onnx']);
  });

  it('precaches the WASM runtime (over Workbox 2 MiB default) and leaves the models to the entries above', () => {
    const w = pwaOptions(root).workbox!;
    expect(w.globPatterns?.join(' ')).toMatch(/wasm/);
    expect(w.maximumFileSizeToCacheInBytes).toBeGreaterThan(28 * 1024 * 1024);
    expect(w.globIgnores).toContain('models/**');
    expect(pwaOptions(root).injectRegister).toBe('script-defer');
  });
});
