/**
 * The N-body and basketball models as the page and the CLI use them. The page's choice (chooseModel over
 * models/index.json): the demo scenes charged-nbody.csv / .extxyz pick nbody-charged and basketball-play.txt picks
 * nba, while the pedestrian models refuse both with both values named. `lamslide eval --json` scores a folder of
 * N-body CSVs with the GeoTDM protocol (one window of 10 + 20 frames per simulation, ADE/FDE averaged over K = 5,
 * simulation units, both baselines) and SportVU files with the SocialVAE protocol (best of 20, the ten players
 * scored and the ball not, feet, the card's window stride); real NBA val files are read in place where
 * ../shared/data is staged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSceneFile } from '../../src/core/formats/index';
import { checkScene, chooseModel } from '../../src/core/sampler/compat';
import { parseManifest, type ModelManifest } from '../../src/core/sampler/manifest';
import { runMain } from '../unit/cli/helpers';
import { listedModels, ROOT } from './index';

const SCENES = join(ROOT, 'public', 'scenes');
const NBA_DATA = resolve(ROOT, '..', 'shared', 'data', 'nba');
const listed = listedModels().map((entry) => ({ entry, manifest: parseManifest(JSON.parse(readFileSync(join(entry.dir, 'manifest.json'), 'utf8'))) as ModelManifest }));
const demo = (file: string) => parseSceneFile(file, readFileSync(join(SCENES, file), 'utf8'));

describe('the page picks the system models for the demo scenes', () => {
  it.each([
    ['charged-nbody.csv', 'nbody-charged'],
    ['charged-nbody.extxyz', 'nbody-charged'],
    ['basketball-play.txt', 'nba'],
  ])('%s -> %s', (file, model) => {
    const scene = demo(file);
    const pick = chooseModel(scene, listed);
    expect(pick?.entry.name).toBe(model);
    expect(pick!.report.problems).toEqual([]);
    expect(pick!.report.conversions).toEqual([]);
  });

  it('the pedestrian models refuse the basketball play (domain named on both sides); nba refuses the N-body scene', () => {
    const play = demo('basketball-play.txt');
    const ped = listed.filter((m) => m.manifest.domain === 'pedestrian');
    expect(ped.length).toBeGreaterThan(0);
    for (const m of ped) {
      const r = checkScene(play, m.manifest);
      expect(r.ok).toBe(false);
      expect(r.problems.find((p) => p.field === 'domain')).toMatchObject({ scene: 'basketball', model: 'pedestrian' });
    }
    const nba = listed.find((m) => m.entry.name === 'nba')!;
    const r = checkScene(demo('charged-nbody.csv'), nba.manifest);
    expect(r.problems.map((p) => p.field)).toEqual(expect.arrayContaining(['domain', 'dims', 'length_unit', 'interval']));
  });
});

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-systems-eval-'));
  // Two 30-frame simulations (frames 0..29 and 30..59 of the demo, renumbered): one GeoTDM window each.
  const lines = readFileSync(join(SCENES, 'charged-nbody.csv'), 'utf8').split('\n');
  const head = lines.filter((l) => l.startsWith('#') || l.startsWith('frame,'));
  const rows = lines.filter((l) => /^\d+,/.test(l)).map((l) => l.split(','));
  await mkdir(join(root, 'nbody'));
  for (const [name, from] of [['a.csv', 0], ['b.csv', 30]] as const) {
    const part = rows.filter((r) => Number(r[0]) >= from && Number(r[0]) < from + 30).map((r) => [String(Number(r[0]) - from), ...r.slice(1)].join(','));
    await writeFile(join(root, 'nbody', name), [...head, ...part].join('\n') + '\n');
  }
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('lamslide eval on the system models', () => {
  it('nbody-charged: a folder of N-body CSVs, K = 5 averaged, simulation units, both baselines', async () => {
    const r = await runMain(['eval', '--model', join(ROOT, 'models', 'nbody-charged'), '--data', join(root, 'nbody'), '--ids', 'sequential', '--threads', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ model: 'nbody-charged', k: 5, protocol: 'mean', protocol_domain: 'nbody', windows: 2, samples: 10, unit: 'sim', stride: 1 });
    expect(j.files.map((f: { file: string; windows: number }) => [f.file.split('/').pop(), f.windows])).toEqual([['a.csv', 1], ['b.csv', 1]]);
    for (const v of [j.ade, j.fde, j.baselines.constant_velocity.ade, j.baselines.frozen.fde]) expect(Number.isFinite(v) && v > 0).toBe(true);
    expect(j.fde).toBeGreaterThan(j.ade);
    // Not a tuned bound: the particles move about 1 unit over the 20 future frames; a broken charge feed or
    // unit mix-up gives errors of that size or more, the card's model about a quarter of it.
    expect(j.ade).toBeLessThan(j.baselines.frozen.ade);
  });

  it('nba: the demo play with the SocialVAE protocol (players scored, the ball not; feet; the card stride)', async () => {
    const r = await runMain(['eval', '--model', join(ROOT, 'models', 'nba'), '--data', join(SCENES, 'basketball-play.txt'), '--nfe', '1', '--ids', 'sequential', '--threads', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const stride = JSON.parse(readFileSync(join(ROOT, 'models', 'nba', 'manifest.json'), 'utf8')).metrics.protocol.window_stride;
    // 120 frames, windows of 8 + 12: starts 0..100 every `stride`-th
    const windows = Math.floor(100 / stride) + 1;
    expect(j).toMatchObject({ model: 'nba', k: 20, protocol: 'min', protocol_domain: 'basketball', unit: 'ft', stride, windows, samples: 10 * windows });
    for (const v of [j.ade, j.fde, j.baseline.ade]) expect(Number.isFinite(v) && v > 0).toBe(true);
  });

  it.skipIf(!existsSync(NBA_DATA))('nba: real val files of both scenarios, read in place', async () => {
    await mkdir(join(root, 'nba'));
    const files: string[] = [];
    for (const sc of ['rebound', 'score']) {
      const dir = join(NBA_DATA, sc, 'val');
      const first = (await readdir(dir)).filter((f) => f.endsWith('.txt')).sort()[0];
      files.push(join(dir, first));
    }
    for (const f of files) {
      const r = await runMain(['eval', '--model', join(ROOT, 'models', 'nba'), '--data', f, '--nfe', '1', '--max-windows', '3', '--threads', '1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j).toMatchObject({ model: 'nba', k: 20, protocol: 'min', unit: 'ft' });
      expect(j.windows).toBeGreaterThan(0);
      // every scored entity is a player: 10 per window where all are present throughout
      expect(j.samples).toBeLessThanOrEqual(10 * j.windows);
      expect(j.samples).toBeGreaterThan(0);
      expect(Number.isFinite(j.ade) && Number.isFinite(j.baseline.ade)).toBe(true);
    }
  });
});
