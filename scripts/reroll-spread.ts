/**
 * How much do a run's metrics depend on the ID assignment? Samples one window of a scene 20 times with the
 * same noise seed and 20 random ID assignments (the page's Re-roll IDs sequence), and, for scale, 20 times
 * with the first assignment and 20 noise seeds. Same code path as the page (core/run + engine, WASM in Node).
 * Usage: npx tsx scripts/reroll-spread.ts [scene=public/scenes/crossing-crowd.txt] [now=20] [model=models/eth_ucy-all] [K=20] [n=20]
 */
import { nextIdSeed } from '../src/core/run/ids';
import { runSummary, spreadOf } from '../src/core/run/metrics';
import { prepareWindow } from '../src/core/run/prepare';
import { buildRun, type RunSettings } from '../src/core/run/run';
import { rollout } from '../src/core/sampler/rollout';
import { loadModelDir, readScene } from '../src/cli/load';

async function main(): Promise<void> {
  const [scenePath = 'public/scenes/crossing-crowd.txt', nowArg = '20', modelDir = 'models/eth_ucy-all', kArg = '20', nArg = '20'] = process.argv.slice(2);
  const scene = await readScene(scenePath);
  const model = await loadModelDir(modelDir, 1);
  const m = model.manifest;
  const now = Number(nowArg);
  const K = Number(kArg);
  const n = Number(nArg);
  const base: RunSettings = { model: m.name, K, nfe: m.sampler.default_nfe, solver: m.sampler.default_solver, seed: 0, windows: 1, idMode: 'random', idSeed: 0, keepSteps: false, keepLatents: false };
  const one = async (s: RunSettings) => {
    const p = prepareWindow(scene, model.dims, now, { mode: 'random', seed: s.idSeed, manual: {} });
    const w = p.window;
    const r = await rollout(model, model.dims, w.window, { K: s.K, nfe: s.nfe, solver: s.solver, seed: s.seed, known: w.known, ids: p.ids! });
    const run = buildRun(1, scene, w, m.frames.observed, m.frames.future, s, { ...r, backend: 'wasm', latentsOnGpu: false, ms: 0, timing: { ...r.timing, totalMs: 0 } });
    return runSummary(run)!;
  };
  const byIds: { ade: number; fde: number }[] = [];
  let idSeed = base.idSeed;
  for (let i = 0; i < n; i++) {
    byIds.push(await one({ ...base, idSeed }));
    idSeed = nextIdSeed(idSeed);
  }
  const bySeed: { ade: number; fde: number }[] = [];
  for (let seed = 0; seed < n; seed++) bySeed.push(await one({ ...base, seed }));
  const fmt = (v: ReturnType<typeof spreadOf>) => `mean ${v.mean.toFixed(3)}, sd ${v.sd.toFixed(3)}, min ${v.min.toFixed(3)}, max ${v.max.toFixed(3)}`;
  console.log(`${scene.name} at frame ${now}, ${m.name}, K = ${K}, NFE ${base.nfe} ${base.solver}, ${n} runs each (${m.length_unit})`);
  console.log(`ID re-rolls, noise seed 0:  minADE ${fmt(spreadOf(byIds.map((x) => x.ade)))}; minFDE ${fmt(spreadOf(byIds.map((x) => x.fde)))}`);
  console.log(`noise seeds, first IDs:     minADE ${fmt(spreadOf(bySeed.map((x) => x.ade)))}; minFDE ${fmt(spreadOf(bySeed.map((x) => x.fde)))}`);
}

await main();
