/**
 * What sampling in spatial tiles costs (README, "Known limits"): synthetic crowds of growing size at one density,
 * walkers on straight lines over a square plaza, sampled at "now" = frame 7 with the page's code path
 * (core/sampler/tiles.ts sampleWindow) on a shipped pedestrian model, WASM, one thread.
 *
 * Run: npx tsx scripts/tile-cost.ts [models/eth_ucy-all] [--k 20] [--nfe 10] [--repeat 3]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tilingFor } from '../src/core/sampler/compat';
import { sceneSampleWindow } from '../src/core/sampler/scene-sample';
import { sampleWindow } from '../src/core/sampler/tiles';
import type { Scene } from '../src/core/scene';
import { OnnxModel } from '../src/engine/model';
import { FileModelSource } from '../src/engine/node-source';
import { configureOrt } from '../src/engine/ort';
import { plazaScene } from '../test/models/plaza.ts';

/** People per square metre: a busy but free-flowing plaza (ETH/UCY's busiest scenes reach about this). */
const DENSITY = 0.1;

function plaza(N: number, F: number, seed: number): Scene {
  const side = Math.sqrt(N / DENSITY);
  return plazaScene({ N, F, width: side, height: side, seed, name: `plaza-${N}` });
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { k: { type: 'string', default: '20' }, nfe: { type: 'string', default: '10' }, repeat: { type: 'string', default: '3' } } });
const dir = resolve(positionals[0] ?? 'models/eth_ucy-all');
const K = Number(values.k);
const nfe = Number(values.nfe);
const repeat = Number(values.repeat);
configureOrt({ numThreads: 1 });
const model = await OnnxModel.load(new FileModelSource(dir), { backend: 'wasm', bucketing: 'never' });
const m = model.manifest;
const tiling = tilingFor(m);
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${m.name}, pool ${model.dims.P}, K ${K}, NFE ${nfe} ${m.sampler.default_solver}, 1 WASM thread, density ${DENSITY} /m², margin ${tiling?.margin} ${m.length_unit}, median of ${repeat}`);
console.log('people  plaza (m)  tiles  members per tile       ms     ms / tile');
let base = 0;
for (const N of [48, 96, 150, 200, 300, 400]) {
  const scene = plaza(N, 20, N);
  const w = sceneSampleWindow(scene, model.dims, model.dims.observed - 1, m);
  const times: number[] = [];
  let tiles = 0;
  let members = '';
  // One untimed run first: the first run at a new N pays for the graphs' shape setup.
  for (let i = 0; i <= repeat; i++) {
    const t0 = performance.now();
    const r = await sampleWindow(model, model.dims, w.window, { K, nfe, solver: m.sampler.default_solver, seed: i }, tiling);
    const ms = performance.now() - t0;
    if (i > 0) times.push(ms);
    tiles = r.tiles.tiles.length;
    members = r.tiles.tiles.map((t) => t.members.length).join('+');
  }
  const ms = median(times);
  if (N === 96) base = ms;
  console.log(`${String(N).padStart(6)}  ${Math.sqrt(N / DENSITY).toFixed(0).padStart(9)}  ${String(tiles).padStart(5)}  ${members.padEnd(20)} ${ms.toFixed(0).padStart(7)}  ${(ms / tiles).toFixed(0).padStart(9)}${base ? `  (${(ms / base).toFixed(2)} x the 96-person window)` : ''}`);
}
await model.release();
