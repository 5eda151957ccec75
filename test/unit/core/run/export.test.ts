import { describe, expect, it } from 'vitest';
import { parseSceneFile } from '../../../../src/core/formats/index';
import { allSamplesScene, buildExport, exportFrameOf, RUN_EXPORT_FORMATS, runFileName, runScene, withJsonMeta, type ExportScope } from '../../../../src/core/run/export';
import type { Run } from '../../../../src/core/run/run';
import type { Scene } from '../../../../src/core/scene';
import { straightRun, walkers, water as waterScene, waterRun } from './helpers';

function expectSamePositions(run: Run, back: Scene, scene: Scene, scope: ExportScope, k: number) {
  const Ns = scene.entities.length;
  // history
  for (let f = 0; f <= run.now; f++) {
    for (let i = 0; i < Ns; i++) {
      expect(back.mask[f * Ns + i]).toBe(scene.mask[f * Ns + i]);
      if (!scene.mask[f * Ns + i]) continue;
      for (let d = 0; d < scene.dim; d++) expect(back.positions[(f * Ns + i) * scene.dim + d]).toBeCloseTo(scene.positions[(f * Ns + i) * scene.dim + d], 3);
    }
  }
  for (let j = 0; j < run.horizon; j++) {
    const f = exportFrameOf(run, scope, k, j);
    for (const n of run.active) {
      const i = run.entities[n];
      expect(back.mask[f * Ns + i]).toBe(1);
      for (let d = 0; d < scene.dim; d++) expect(back.positions[(f * Ns + i) * scene.dim + d]).toBeCloseTo(run.future[((k * run.horizon + j) * run.N + n) * run.D + d], 3);
    }
  }
}

describe('run export', () => {
  it('a run scene is the history then one sample’s horizon; unsampled entities absent after now', () => {
    const scene = walkers();
    const run = straightRun(scene, 9);
    const s = runScene(scene, run, 1);
    expect(s.frameCount).toBe(14);
    expect(s.frameLabels.slice(8)).toEqual([80, 90, 100, 110, 120, 130]);
    // walker 2 left the scene: absent in the history's last frames and in the future
    expect(s.mask[12 * 3 + 2]).toBe(0);
    expect(Array.from(s.positions.subarray((10 * 3 + 1) * 2, (10 * 3 + 1) * 2 + 2))).toEqual([10, 3]);
    const none = runScene(scene, run, null);
    expect(none.mask.subarray(10 * 3).every((v) => v === 0)).toBe(true);
    expect(allSamplesScene(scene, run).frameCount).toBe(10 + 2 * 4);
    expect(() => runScene(scene, run, 2)).toThrow(/sample 2 does not exist/);
  });

  it('names files after scene, model, NFE, solver, seed and sample', () => {
    const scene = walkers();
    const run = straightRun(scene, 5);
    expect(runFileName(scene, run, 3, '.csv')).toBe('walkers_tiny_nfe3-ddim_seed7_s3.csv');
    expect(runFileName(scene, run, 'all', '.pdb')).toBe('walkers_tiny_nfe3-ddim_seed7_all2.pdb');
  });

  for (const scope of ['selected', 'all-in-one', 'per-sample'] as const) {
    it(`2-D CSV, ETH/UCY and JSON re-open with the same positions (${scope})`, () => {
      const scene = walkers();
      const run = straightRun(scene, 5);
      for (const format of ['csv', 'ethucy', 'json'] as const) {
        const files = buildExport(scene, run, format, scope, 1);
        expect(files.length).toBe(scope === 'per-sample' ? 2 : 1);
        files.forEach((file, idx) => {
          const back = parseSceneFile(file.name, file.text);
          const k = scope === 'per-sample' ? idx : scope === 'selected' ? 1 : 0;
          expectSamePositions(run, back, scene, scope, k);
          if (scope === 'all-in-one') expectSamePositions(run, back, scene, scope, 1);
        });
      }
    });
  }

  it('3-D XYZ, PDB and JSON re-open with the same positions; ETH/UCY refuses 3-D', () => {
    const water = waterScene();
    const run = waterRun(water, 0.2);
    for (const format of ['xyz', 'pdb', 'json'] as const) {
      for (const scope of ['all-in-one', 'per-sample'] as const) {
        for (const [idx, file] of buildExport(water, run, format, scope).entries()) {
          const back = parseSceneFile(file.name, file.text);
          expect(back.dim).toBe(3);
          expectSamePositions(run, back, water, scope, scope === 'per-sample' ? idx : 1);
        }
      }
    }
    expect(() => buildExport(water, run, 'ethucy', 'selected')).toThrow(/2-D/);
    expect(RUN_EXPORT_FORMATS).toEqual(['csv', 'ethucy', 'xyz', 'pdb', 'json']);
  });

  it('the JSON scene carries the run settings and IDs in "meta"', () => {
    const scene = walkers();
    const run = straightRun(scene, 5);
    const [file] = buildExport(scene, run, 'json', 'selected', 0);
    const meta = JSON.parse(file.text).meta.lamslideRun;
    expect(meta).toMatchObject({ model: 'tiny', K: 2, nfe: 3, solver: 'ddim', seed: 7, now: 5, nowSourceFrame: 50, idMode: 'sequential' });
    expect(meta.ids).toEqual([
      { sourceId: '1', id: 0 },
      { sourceId: '4', id: 1 },
      { sourceId: '9', id: 2 },
    ]);
    expect(() => withJsonMeta('{}', {})).toThrow(/layout/);
  });
});
