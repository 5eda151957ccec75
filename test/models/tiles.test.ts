/**
 * A crowd of more people than a shipped pedestrian model's ID pool, sampled with the real graphs: in spatial
 * tiles (core/sampler/tiles.ts) instead of refused, with finite futures for everyone; and the same through
 * `lamslide sample`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEthUcy } from '../../src/core/formats/index';
import { checkScene, tilingFor } from '../../src/core/sampler/compat';
import { sceneSampleWindow } from '../../src/core/sampler/scene-sample';
import { sampleWindow } from '../../src/core/sampler/tiles';
import type { Scene } from '../../src/core/scene';
import { OnnxModel } from '../../src/engine/model';
import { FileModelSource } from '../../src/engine/node-source';
import { configureOrt } from '../../src/engine/ort';
import { runMain } from '../unit/cli/helpers';
import { listedModels } from './index';
import { plazaScene } from './plaza';

/** N walkers crossing a wide plaza (90 x 30 m), F frames 0.4 s apart, ETH/UCY ids. */
const plaza = (N: number, F: number): Scene => plazaScene({ N, F, width: 90, height: 30, seed: 21, name: 'plaza.txt' });

const ped = listedModels().find((m) => m.domain === 'pedestrian');
const N = 150;
let model: OnnxModel | undefined;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-tiles-'));
  if (!ped) return;
  configureOrt({ numThreads: 1 });
  model = await OnnxModel.load(new FileModelSource(ped.dir), { backend: 'wasm', bucketing: 'never' });
});
afterAll(async () => {
  await model?.release();
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(!ped)(`a crowd of ${N} with ${ped?.name}`, () => {
  it('is accepted, sampled in tiles of at most the pool, with finite futures near everyone', async () => {
    const m = model!;
    const scene = plaza(N, 20);
    const report = checkScene(scene, m.manifest);
    expect(report.problems).toEqual([]);
    expect(report.notices.find((x) => x.field === 'entities')?.message).toMatch(/sampled in overlapping spatial tiles/);
    const w = sceneSampleWindow(scene, m.dims, m.dims.observed - 1, m.manifest);
    expect(w.window.N).toBe(N);
    expect(N).toBeGreaterThan(m.dims.P);
    const K = 3;
    const r = await sampleWindow(m, m.dims, w.window, { K, nfe: 2, solver: 'ddim', seed: 4 }, tilingFor(m.manifest));
    const { tiles } = r.tiles;
    expect(tiles.length).toBeGreaterThan(1);
    for (const t of tiles) expect(t.members.length).toBeLessThanOrEqual(m.dims.P);
    expect(tiles.reduce((a, t) => a + t.owned.length, 0)).toBe(N);
    expect(r.future.length).toBe(K * m.dims.future * N * 2);
    expect(r.future.every(Number.isFinite)).toBe(true);
    // Each person's first sampled step starts where that person is (walkers move < 1 m per frame).
    const now = m.dims.observed - 1;
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) {
        const o = ((k * m.dims.future + 0) * N + n) * 2;
        const p = (now * N + n) * 2;
        expect(Math.hypot(r.future[o] - w.window.pos[p], r.future[o + 1] - w.window.pos[p + 1])).toBeLessThan(3);
      }
    }
  });

  it('lamslide sample writes every person\'s futures and says it tiled', async () => {
    const file = join(root, 'plaza.txt');
    await writeFile(file, writeEthUcy(plaza(N, 20)));
    const out = join(root, 'futures.json');
    const r = await runMain(['sample', '--model', ped!.dir, '--scene', file, '--k', '2', '--nfe', '2', '--threads', '1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${N} entities, more than the ID pool \\(${model!.dims.P}\\): sampled in \\d+ overlapping spatial tiles`));
    const j = JSON.parse(await readFile(out, 'utf8'));
    expect(j.entities.length).toBe(N);
    expect(j.tiles).toBeGreaterThan(1);
    expect(j.samples.length).toBe(2);
    expect(j.samples.flat(3).every(Number.isFinite)).toBe(true);
  });

  it('lamslide eval scores the tiled windows, with the same JSON from one worker and from two', async () => {
    const file = join(root, 'plaza-eval.txt');
    await writeFile(file, writeEthUcy(plaza(N, 24)));
    const args = ['eval', '--model', ped!.dir, '--data', file, '--k', '2', '--nfe', '1', '--stride', '2', '--threads', '1', '--json'];
    const [one, two] = [await runMain([...args, '--workers', '1']), await runMain([...args, '--workers', '2'])];
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const strip = (s: string) => {
      const { seconds: _s, workers: _w, ...rest } = JSON.parse(s);
      void [_s, _w];
      return rest;
    };
    const a = strip(one.stdout);
    expect(strip(two.stdout)).toEqual(a);
    // 24 frames, windows of 20 at stride 2: starts 0, 2, 4; all three above the pool and tiled, none skipped
    expect(a).toMatchObject({ windows: 3, tiled_windows: 3, skipped_windows: 0, samples: 3 * N });
    expect(Number.isFinite(a.ade) && Number.isFinite(a.fde)).toBe(true);
  });
});
