/**
 * The one store of the app: the scene, the runs, what is selected (run, sample, highlighted entity, A/B pair),
 * the sampler settings (IDs included), the playback clock and the sampler's status. The view, the panels and
 * the plots all read this state; nothing keeps its own copy.
 *
 * zustand (vanilla store + React hook): the three.js view and the worker callbacks read and subscribe outside
 * React render, which a useReducer in one component cannot offer; selectors re-render only what changed.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { bestSample } from '../core/run/metrics';
import type { Run, RunSettings } from '../core/run/run';
import { timelineLength } from '../core/run/timeline';
import type { ModelIndexEntry, ModelManifest } from '../core/sampler/manifest';
import type { SolverName } from '../core/sampler/solvers';
import type { Scene } from '../core/scene';

/** Which sample the view shows: the whole fan, one sample, or the best of K against the ground truth. */
export type SamplePick = 'all' | 'best' | number;

/** The panels' settings: those of the next run, plus the hand-made IDs and the NFE comparison's set. */
export interface SamplerSettings extends RunSettings {
  /** hand-made IDs by source id */
  manualIds: Record<string, number>;
  /** the horizon typed as a duration, frames or windows ("2 ns"); '' = `windows` model windows */
  horizonText: string;
  compareNfes: number[];
  compareSolver: SolverName;
}

export type SamplerStatus =
  | { kind: 'idle' }
  | { kind: 'loading-model'; name: string; file?: string; loaded?: number; total?: number | null }
  | { kind: 'sampling'; step: number; steps: number; window: number; windows: number }
  | { kind: 'comparing'; setting: number; settings: number; evaluations: number; totalEvaluations: number }
  | { kind: 'done' }
  | { kind: 'error'; message: string };

export interface Comparison {
  runIds: number[];
  warmupMs: number | null;
}

export interface AppState {
  scene: Scene | null;
  runs: Run[];
  activeRunId: number | null;
  pick: SamplePick;
  /** runs compared A/B (ids) */
  ab: [number | null, number | null];
  /** scene entity index highlighted in the view (a clicked table row) */
  highlight: number | null;
  comparison: Comparison | null;
  /** the step of the ODE integration shown ("inside the model"); null = the final sample */
  odeStep: number | null;
  /** the latent view shows this window and sample */
  latentWindow: number;

  frame: number;
  playing: boolean;
  speed: number;
  loop: boolean;

  settings: SamplerSettings;
  status: SamplerStatus;
  nextRunId: number;
  /** models/index.json, the loaded model's manifest and backend */
  models: ModelIndexEntry[];
  /** every listed model's manifest (to choose the model that fits a scene) */
  manifests: Record<string, ModelManifest>;
  manifest: ModelManifest | null;
  backend: string | null;

  setScene(scene: Scene | null): void;
  addRun(run: Omit<Run, 'id'> & { id?: number }, opts?: { activate?: boolean }): Run;
  removeRun(id: number): void;
  setActiveRun(id: number | null): void;
  setPick(p: SamplePick): void;
  stepPick(delta: 1 | -1): void;
  setAB(slot: 0 | 1, id: number | null): void;
  setHighlight(entity: number | null): void;
  setComparison(c: Comparison | null): void;
  setOdeStep(s: number | null): void;
  setLatentWindow(w: number): void;

  setFrame(f: number): void;
  step(delta: number): void;
  setPlaying(p: boolean): void;
  togglePlay(): void;
  setSpeed(s: number): void;
  setLoop(l: boolean): void;

  updateSettings(p: Partial<SamplerSettings>): void;
  setStatus(s: SamplerStatus): void;
  setModels(models: ModelIndexEntry[], manifests?: Record<string, ModelManifest>): void;
  setModel(manifest: ModelManifest | null, backend: string | null): void;
}

export const DEFAULT_SETTINGS: SamplerSettings = {
  model: '',
  K: 20,
  nfe: 10,
  solver: 'ddim',
  seed: 0,
  windows: 1,
  idMode: 'random',
  idSeed: 0,
  manualIds: {},
  horizonText: '',
  keepSteps: false,
  keepLatents: false,
  compareNfes: [1, 2, 5, 10, 20],
  compareSolver: 'ddim',
};

/** The run on screen, or null (the file's own timeline). */
export function activeRun(s: Pick<AppState, 'runs' | 'activeRunId'>): Run | null {
  return s.activeRunId === null ? null : (s.runs.find((r) => r.id === s.activeRunId) ?? null);
}

export function runById(s: Pick<AppState, 'runs'>, id: number | null): Run | null {
  return id === null ? null : (s.runs.find((r) => r.id === id) ?? null);
}

/** Frames on the timeline now. */
export function timelineCount(s: Pick<AppState, 'scene' | 'runs' | 'activeRunId'>): number {
  return s.scene ? timelineLength(s.scene.frameCount, activeRun(s)) : 0;
}

const bestCache = new WeakMap<Run, number | null>();
/** The best sample of a run against its ground truth (cached per run object). */
export function bestOf(run: Run): number | null {
  if (!bestCache.has(run)) bestCache.set(run, bestSample(run));
  return bestCache.get(run) ?? null;
}

/** The sample index a pick stands for in `run`: null for the whole fan. */
export function resolvePick(run: Run, pick: SamplePick): number | null {
  if (pick === 'all') return null;
  if (pick === 'best') return bestOf(run);
  return Math.min(Math.max(0, pick), run.K - 1);
}

/** The order `[` and `]` step through: the fan, each sample, then the best of K when there is ground truth. */
export function pickOrder(run: Run): SamplePick[] {
  const out: SamplePick[] = ['all'];
  for (let k = 0; k < run.K; k++) out.push(k);
  if (run.hasTruth) out.push('best');
  return out;
}

export function createAppStore(initial: Partial<AppState> = {}): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => {
    const clampFrame = (f: number, s: AppState = get()) => Math.min(Math.max(0, timelineCount(s) - 1), Math.max(0, Math.round(f)));
    return {
      scene: null,
      runs: [],
      activeRunId: null,
      pick: 'all',
      ab: [null, null],
      highlight: null,
      comparison: null,
      odeStep: null,
      latentWindow: 0,
      frame: 0,
      playing: false,
      speed: 1,
      loop: true,
      settings: { ...DEFAULT_SETTINGS },
      status: { kind: 'idle' },
      nextRunId: 1,
      models: [],
      manifests: {},
      manifest: null,
      backend: null,

      // A new scene starts paused at frame 0; runs belong to the scene they were sampled from.
      setScene: (scene) => set({ scene, runs: [], activeRunId: null, pick: 'all', ab: [null, null], highlight: null, comparison: null, odeStep: null, frame: 0, playing: false }),

      addRun: (r, opts = {}) => {
        const id = r.id ?? get().nextRunId;
        const run: Run = { ...r, id } as Run;
        set((s) => {
          const runs = [...s.runs.filter((x) => x.id !== id), run];
          const activate = opts.activate ?? true;
          return {
            runs,
            nextRunId: Math.max(s.nextRunId, id + 1),
            ...(activate ? { activeRunId: id, pick: s.activeRunId === null ? ('all' as SamplePick) : s.pick, odeStep: null } : {}),
          };
        });
        set((s) => ({ frame: clampFrame(s.frame, s) }));
        return run;
      },

      removeRun: (id) =>
        set((s) => {
          const runs = s.runs.filter((r) => r.id !== id);
          const next: Partial<AppState> = { runs };
          if (s.activeRunId === id) next.activeRunId = null;
          next.ab = s.ab.map((x) => (x === id ? null : x)) as [number | null, number | null];
          if (s.comparison) {
            const ids = s.comparison.runIds.filter((x) => x !== id);
            next.comparison = ids.length ? { ...s.comparison, runIds: ids } : null;
          }
          const merged = { ...s, ...next } as AppState;
          return { ...next, frame: clampFrame(s.frame, merged) };
        }),

      setActiveRun: (id) =>
        set((s) => {
          const merged = { ...s, activeRunId: id } as AppState;
          const run = activeRun(merged);
          const pick = run && typeof s.pick === 'number' && s.pick >= run.K ? 'all' : s.pick;
          return { activeRunId: id, pick, odeStep: null, frame: clampFrame(s.frame, merged) };
        }),

      setPick: (pick) => set({ pick }),
      stepPick: (delta) =>
        set((s) => {
          const run = activeRun(s);
          if (!run) return {};
          const order = pickOrder(run);
          const at = Math.max(0, order.findIndex((p) => p === s.pick));
          return { pick: order[(at + delta + order.length) % order.length] };
        }),
      setAB: (slot, id) => set((s) => ({ ab: (slot === 0 ? [id, s.ab[1]] : [s.ab[0], id]) as [number | null, number | null] })),
      setHighlight: (highlight) => set({ highlight }),
      setComparison: (comparison) => set({ comparison }),
      setOdeStep: (odeStep) => set({ odeStep }),
      setLatentWindow: (latentWindow) => set({ latentWindow }),

      setFrame: (f) => set({ frame: clampFrame(f) }),
      step: (delta) => set((s) => ({ playing: false, frame: clampFrame(s.frame + delta, s) })),
      setPlaying: (playing) => set({ playing }),
      togglePlay: () =>
        set((s) => {
          // Play at the end of a non-looping timeline starts over instead of doing nothing.
          if (!s.playing && s.frame >= timelineCount(s) - 1) return { playing: true, frame: 0 };
          return { playing: !s.playing };
        }),
      setSpeed: (speed) => set({ speed }),
      setLoop: (loop) => set({ loop }),

      updateSettings: (p) => set((s) => ({ settings: { ...s.settings, ...p } })),
      setStatus: (status) => set({ status }),
      setModels: (models, manifests = {}) => set({ models, manifests }),
      setModel: (manifest, backend) => set({ manifest, backend }),
      ...initial,
    };
  });
}

/** The app's store (one per page). */
export const appStore = createAppStore();

/** React hook on the app's store. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
