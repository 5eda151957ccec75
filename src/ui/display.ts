/**
 * What the view draws for the store's state: the file alone, or a run's trajectory (history + the picked
 * sample, or history only under the fan) with the run layer on top. Run scenes are cached per run and sample,
 * so scrubbing and re-renders never rebuild them.
 */
import { runScene } from '../core/run/export';
import type { Run } from '../core/run/run';
import { stepRun } from '../core/run/steps';
import type { Scene } from '../core/scene';
import { activeRun, resolvePick, type AppState, type SamplePick } from './store';

export interface DisplayView {
  base: Scene | null;
  display: Scene | null;
  run: Run | null;
  sample: number | null;
}

const sceneCache = new WeakMap<Run, Map<string, Scene>>();
const stepCache = new WeakMap<Run, Map<number, Run>>();

/** The run as shown at ODE step `step` (cached), or the run itself for null. */
export function runAtStep(run: Run, step: number | null): Run {
  if (step === null || !run.steps) return run;
  let m = stepCache.get(run);
  if (!m) stepCache.set(run, (m = new Map()));
  let r = m.get(step);
  if (!r) m.set(step, (r = stepRun(run, Math.min(step, run.steps.t.length - 1))));
  return r;
}

export function displayFor(scene: Scene, run: Run, sample: number | null): Scene {
  let m = sceneCache.get(run);
  if (!m) sceneCache.set(run, (m = new Map()));
  const key = String(sample);
  let s = m.get(key);
  if (!s) m.set(key, (s = runScene(scene, run, sample)));
  return s;
}

/** The view of one run with a pick (the comparison cells use this too). */
export function viewOf(scene: Scene | null, run: Run | null, pick: SamplePick, step: number | null = null): DisplayView {
  if (!scene || !run) return { base: scene, display: scene, run: null, sample: null };
  const r = runAtStep(run, step);
  const sample = resolvePick(r, pick);
  return { base: scene, display: displayFor(scene, r, sample), run: r, sample };
}

export function mainView(s: Pick<AppState, 'scene' | 'runs' | 'activeRunId' | 'pick' | 'odeStep'>): DisplayView {
  return viewOf(s.scene, activeRun(s), s.pick, s.odeStep);
}
