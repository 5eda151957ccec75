/**
 * Smoke tests on the real public data staged beside the repository (../shared/data). Files are read in place,
 * never copied; the tests are skipped where that folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSceneFile, parseSceneFileBytes, sceneProblems, writeSceneFile } from '../../../../src/core/formats/index';
import { inferBonds } from '../../../../src/core/elements';
import { FUZZ_RUNS, applyMutations, expectSameScene, mutationArb, readOrParseError } from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '../../../../../shared/data');
const ETH = path.join(DATA, 'eth_ucy');
const PDB = path.join(DATA, 'alanine_dipeptide/mdtraj/native.pdb');
const NBA = path.join(DATA, 'nba/rebound/val');

function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => path.join(dir, f)) : [];
}

describe('real ETH/UCY files', () => {
  const files = [...filesIn(path.join(ETH, 'eth/train')), ...filesIn(path.join(ETH, 'eth/val')), ...filesIn(path.join(ETH, 'hotel/train'))];

  it.skipIf(files.length === 0)('read every file of folds eth and hotel: one observation per row, 0.4 s grid', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const scene = parseSceneFile(file, text);
      expect(sceneProblems(scene), file).toEqual([]);
      expect(scene.kind).toBe('pedestrian');
      expect(scene.frameInterval).toEqual({ value: 0.4, unit: 's' });
      const rows = text.split('\n').filter((l) => l.trim() !== '').length;
      let present = 0;
      for (const m of scene.mask) present += m;
      expect(present, file).toBe(rows);
      for (let k = 1; k < scene.frameLabels.length; k++) expect(scene.frameLabels[k] - scene.frameLabels[k - 1]).toBe(10);
    }
  });

  it.skipIf(files.length === 0)('biwi_eth train matches SOURCE.md (frames 780-10230) and round-trips through the writers', () => {
    const file = path.join(ETH, 'hotel/train/biwi_eth_train.txt');
    const scene = parseSceneFileBytes(file, new Uint8Array(readFileSync(file)));
    expect(scene.frameLabels[0]).toBe(780);
    expect(scene.frameLabels.at(-1)).toBe(10230);
    expectSameScene(parseSceneFile('x.txt', writeSceneFile(scene, 'ethucy')), scene, { tol: 0, elements: false });
    expectSameScene(parseSceneFile('x.csv', writeSceneFile(scene, 'csv')), scene, { tol: 0, elements: false });
    expectSameScene(parseSceneFile('x.json', writeSceneFile(scene, 'json')), scene, { tol: 0, elements: false });
  });
});

describe('real PDB file (alanine dipeptide, MDTraj)', () => {
  it.skipIf(!existsSync(PDB))('reads 22 atoms with inferred elements, and finds the 21 bonds of the acyclic molecule', () => {
    const scene = parseSceneFile(PDB, readFileSync(PDB, 'utf8'));
    expect(scene.entities.length).toBe(22);
    expect(scene.frameCount).toBe(1);
    const count = (el: string) => scene.entities.filter((e) => e.element === el).length;
    expect([count('C'), count('H'), count('N'), count('O')]).toEqual([6, 12, 2, 2]);
    expect(scene.entities.find((e) => e.label === 'CA ALA 2')?.element).toBe('C');
    const bonds = inferBonds(scene, 0);
    expect(bonds.length).toBe(21);
    const pdb = writeSceneFile(scene, 'pdb');
    expectSameScene(parseSceneFile('x.pdb', pdb), scene, { tol: 1e-3 });
  });
});

describe('real SportVU basketball file (5-column variant)', () => {
  const files = filesIn(NBA).slice(0, 3);
  it.skipIf(files.length === 0)('reads ball and players in feet', () => {
    for (const file of files) {
      const scene = parseSceneFile(file, readFileSync(file, 'utf8'));
      expect(sceneProblems(scene)).toEqual([]);
      expect(scene.entities.length).toBe(11);
      expect(scene.entities[0].label).toBe('ball');
      expect(scene.lengthUnit).toBe('ft');
      for (const m of scene.mask) expect(m).toBe(1);
    }
  });
});

describe('mutated real files', () => {
  const sources: Array<[string, string]> = [
    [path.join(ETH, 'hotel/train/biwi_eth_train.txt'), 'x.txt'],
    [PDB, 'x.pdb'],
  ];
  for (const [file, as] of sources) {
    it.skipIf(!existsSync(file))(`${path.basename(file)}: first 60 lines, mutated, give a Scene or a SceneParseError`, () => {
      const head = readFileSync(file, 'utf8').split('\n').slice(0, 60).join('\n');
      fc.assert(
        fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 6 }), (muts) => {
          readOrParseError(() => parseSceneFile(as, applyMutations(head, muts)));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }
});
