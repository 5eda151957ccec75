/**
 * The sampler controller: owns the sampling worker's client, loads the model list and the chosen model, and
 * turns Sample / Re-roll IDs / Compare NFE into requests whose results become runs in the store. No model
 * math here (the window is cut by core/run/prepare.ts, sampling runs in the worker).
 */
import { MAX_RUN_VALUES, parseHorizon, runBudget, type HorizonResult } from '../core/run/horizon';
import { nextIdSeed } from '../core/run/ids';
import { prepareWindow, type PreparedWindow } from '../core/run/prepare';
import { buildRun, type Run, type RunSamples, type RunSettings } from '../core/run/run';
import { applyConversions, checkScene, chooseModel, type CompatReport, type Conversion } from '../core/sampler/compat';
import { parseManifest, parseModelIndex, type ModelIndexEntry, type ModelManifest } from '../core/sampler/manifest';
import { dimsFromManifest } from '../core/sampler/rollout';
import { evaluationsFor, type SolverName } from '../core/sampler/solvers';
import type { FrameInterval, Scene } from '../core/scene';
import { SamplerClient } from '../engine/client';
import { activeRun, appStore, type AppState } from './store';

const modelsBase = (): URL => new URL('models/', document.baseURI);

/** "now" of the next run: the timeline frame, or, while a run is on screen and the frame is in its future, its "now". */
export function samplingNow(s: Pick<AppState, 'scene' | 'runs' | 'activeRunId' | 'frame'>): number {
  if (!s.scene) return 0;
  const run = activeRun(s);
  const f = run && s.frame > run.now ? run.now : s.frame;
  return Math.min(Math.max(0, f), s.scene.frameCount - 1);
}

const compatCache = new WeakMap<Scene, WeakMap<ModelManifest, CompatReport>>();
/** checkScene, cached per scene and manifest (it scans every frame; selectors call it on every store change). */
export function compatReport(scene: Scene, manifest: ModelManifest): CompatReport {
  let m = compatCache.get(scene);
  if (!m) compatCache.set(scene, (m = new WeakMap()));
  let r = m.get(manifest);
  if (!r) m.set(manifest, (r = checkScene(scene, manifest)));
  return r;
}

/** The loaded model against the scene (CONTRACT.md v2 "Scene against model"), or null without both. */
export function compatOf(s: Pick<AppState, 'scene' | 'manifest'>): CompatReport | null {
  return s.scene && s.manifest ? compatReport(s.scene, s.manifest) : null;
}

/**
 * The interval a run steps at: the scene's, or the model's when the scene states none and the model takes the
 * scene (CONTRACT.md v2 rule 4).
 */
export function runInterval(scene: Scene, manifest: ModelManifest | null): FrameInterval {
  if (scene.frameInterval.unit !== 'frame' || !manifest || compatReport(scene, manifest).problems.length) return scene.frameInterval;
  return { value: manifest.frame_interval.value, unit: manifest.frame_interval.unit as FrameInterval['unit'] };
}

/** The horizon of the next run: the typed one ("2 ns", "2000 frames"), else `windows` model windows. */
export function horizonOf(s: Pick<AppState, 'scene' | 'manifest' | 'settings'>): HorizonResult | null {
  if (!s.scene || !s.manifest) return null;
  const future = s.manifest.frames.future;
  const text = s.settings.horizonText.trim();
  if (text) return parseHorizon(text, runInterval(s.scene, s.manifest), future);
  const frames = s.settings.windows * future;
  const iv = runInterval(s.scene, s.manifest);
  return { ok: true, frames, windows: s.settings.windows, time: iv.unit === 'frame' ? null : frames * iv.value };
}

/** Why sampling is not possible now (null when it is). */
export function sampleBlocker(s: AppState): string | null {
  if (!s.scene) return 'Load a scene to sample its futures.';
  if (!s.manifest) return s.status.kind === 'loading-model' ? 'The model is loading…' : 'No model is loaded.';
  const report = compatReport(s.scene, s.manifest);
  if (report.problems.length) return `Model ${s.manifest.name} does not take this scene: ${report.problems.map((p) => p.message).join('; ')}.`;
  if (report.conversions.length) return `The scene needs converting for model ${s.manifest.name} (see below).`;
  if (s.settings.solver === 'heun' && s.settings.nfe < 2) return 'The heun solver needs NFE ≥ 2.';
  const h = horizonOf(s);
  if (h && !h.ok) return h.error;
  if (h) return budgetBlocker(s.settings.K, h.frames, h.windows, s.scene.entities.length, s.manifest, s.settings.keepLatents);
  return null;
}

/** The memory limit of one run (core/run/horizon.ts), in words; null when the run fits. */
export function budgetBlocker(K: number, frames: number, windows: number, N: number, manifest: ModelManifest, keepLatents: boolean): string | null {
  const lat = keepLatents ? { windows, T: manifest.frames.window, L: manifest.latent.L, C: manifest.latent.C } : undefined;
  const b = runBudget(K, frames, N, manifest.dims, lat);
  if (b.ok) return null;
  const mib = (MAX_RUN_VALUES * 4) / 2 ** 20;
  return `K = ${K} over ${frames} frames of ${N} entities${keepLatents ? ' (latents kept)' : ''} is more than a run may hold (${(MAX_RUN_VALUES / 1e6).toFixed(1)} M values, ${mib} MiB per array): choose K ≤ ${b.maxK}${keepLatents ? ' or do not keep latents' : ''}, or a shorter horizon.`;
}

/** What a conversion does, in words. */
export function describeConversion(c: Conversion): string {
  return c.kind === 'length' ? `lengths ${c.from} → ${c.to} (× ${c.factor})` : `every ${ordinal(c.every)} frame (${c.from.value} ${c.from.unit} → ${c.to.value} ${c.to.unit})`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 21st ... */
export function ordinal(n: number): string {
  const t = n % 100;
  const suffix = t >= 11 && t <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** The window and IDs of the next run, as the IDs panel lists them (null without scene or fitting model). */
export function currentWindow(s: AppState): PreparedWindow | { error: string } | null {
  if (!s.scene || !s.manifest || s.manifest.dims !== s.scene.dim) return null;
  try {
    return prepareWindow(s.scene, dimsFromManifest(s.manifest), samplingNow(s), { mode: s.settings.idMode, seed: s.settings.idSeed, manual: s.settings.manualIds }, s.manifest);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Models that take a scene (conversions allowed), in the index's order; when none does, those of the scene's domain
 * (so a refused molecule is refused by the molecule model, naming the element or the atom count, not by a
 * pedestrian model naming the domain); all of them when the index has none of that domain.
 */
export function modelsFor(models: ModelIndexEntry[], scene: Scene | null, manifests: Record<string, ModelManifest> = {}): ModelIndexEntry[] {
  if (!scene) return models;
  const fit = models.filter((m) => {
    const man = manifests[m.name];
    return man ? compatReport(scene, man).ok : m.domain === scene.kind || scene.kind === 'generic';
  });
  if (fit.length) return fit;
  // None fits: the domain's models, those for any molecule before those scoped to one (ala2): the general model's
  // refusal (an element outside its vocabulary, too many atoms) says more about the scene than "not this molecule".
  const scoped = (m: ModelIndexEntry) => (manifests[m.name]?.scope ? 1 : 0);
  const domain = models.filter((m) => m.domain === scene.kind).sort((a, b) => scoped(a) - scoped(b));
  return domain.length ? domain : models;
}

function folderUrl(m: ModelIndexEntry): URL {
  return new URL(m.path.endsWith('/') ? m.path : `${m.path}/`, modelsBase());
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class SamplerController {
  private client: SamplerClient | null = null;
  private running: number | null = null;
  private loadToken = 0;
  private stopped = false;

  constructor(
    private readonly store = appStore,
    private readonly makeClient: () => SamplerClient = () => SamplerClient.create(),
  ) {}

  /** Starts the worker, reads the model list and every manifest; the model that fits the scene loads next. */
  async start(): Promise<void> {
    this.client = this.makeClient();
    try {
      const res = await fetch(new URL('index.json', modelsBase()));
      if (!res.ok) throw new Error(`models/index.json: HTTP ${res.status}`);
      const list = parseModelIndex(await res.json());
      const manifests: Record<string, ModelManifest> = {};
      await Promise.all(
        list.map(async (m) => {
          // A model whose manifest cannot be read is still listed; loading it reports the problem.
          try {
            const r = await fetch(new URL('manifest.json', folderUrl(m)));
            if (r.ok) manifests[m.name] = parseManifest(await r.json(), `models/${m.path}/manifest.json`);
          } catch {
            /* reported when the model is chosen */
          }
        }),
      );
      if (this.stopped) return;
      this.store.getState().setModels(list, manifests);
      this.chooseModelFor(this.store.getState().scene);
    } catch (e) {
      if (!this.stopped) this.store.getState().setStatus({ kind: 'error', message: `no model list: ${message(e)}` });
    }
  }

  stop(): void {
    this.stopped = true;
    this.client?.terminate();
    this.client = null;
  }

  /**
   * Keeps the chosen model when it takes the scene; else the one chooseModel picks (scope, default, index
   * order), else the first of the domain.
   */
  chooseModelFor(scene: Scene | null): void {
    const s = this.store.getState();
    if (!s.models.length) return;
    const withManifest = s.models.filter((m) => s.manifests[m.name]).map((entry) => ({ entry, manifest: s.manifests[entry.name] }));
    const current = s.manifests[s.settings.model];
    let pick: string | undefined;
    if (scene && current && compatReport(scene, current).ok) pick = s.settings.model;
    else if (scene) pick = chooseModel(scene, withManifest)?.entry.name ?? modelsFor(s.models, scene, s.manifests)[0]?.name;
    else pick = (s.models.find((m) => m.default) ?? s.models[0]).name;
    if (pick && (pick !== s.settings.model || !s.manifest || s.manifest.name !== pick)) void this.loadModel(pick);
  }

  /** Replaces the scene with its conversion for the loaded model (the user accepted it); runs start afresh. */
  convertScene(): void {
    const s = this.store.getState();
    const report = compatOf(s);
    if (!s.scene || !report || !report.conversions.length) return;
    s.setScene(applyConversions(s.scene, report.conversions));
  }

  async loadModel(name: string): Promise<void> {
    const s = this.store.getState();
    const entry = s.models.find((m) => m.name === name);
    if (!entry || !this.client) return;
    const token = ++this.loadToken;
    s.updateSettings({ model: name });
    s.setModel(null, null);
    s.setStatus({ kind: 'loading-model', name });
    try {
      const url = folderUrl(entry).href;
      // Progress arrives per chunk; the panel redraws only when the shown percentage (or the file) changes.
      let shown = '';
      const r = await this.client.load(url, { backend: 'auto' }, (p) => {
        const key = `${p.file} ${p.total ? Math.floor((100 * p.loaded) / p.total) : Math.floor(p.loaded / 1e6)}`;
        if (token !== this.loadToken || key === shown) return;
        shown = key;
        this.store.getState().setStatus({ kind: 'loading-model', name, file: p.file, loaded: p.loaded, total: p.total });
      });
      if (token !== this.loadToken) return;
      const st = this.store.getState();
      st.setModel(r.manifest, r.backend);
      st.updateSettings({ nfe: r.manifest.sampler.default_nfe, solver: r.manifest.sampler.default_solver, compareSolver: r.manifest.sampler.default_solver });
      st.setStatus({ kind: 'idle' });
    } catch (e) {
      if (token === this.loadToken) this.store.getState().setStatus({ kind: 'error', message: message(e) });
    }
  }

  private settingsNow(over: Partial<RunSettings> = {}): RunSettings {
    const { manualIds: _m, compareNfes: _n, compareSolver: _s, horizonText: _h, ...run } = this.store.getState().settings;
    void [_m, _n, _s, _h];
    return { ...run, ...over };
  }

  /** Samples a run with the panel's settings (overridable) at the current "now"; resolves to the run, or null. */
  async sample(over: Partial<RunSettings> = {}, ids?: number[]): Promise<Run | null> {
    const st = this.store.getState();
    const blocker = sampleBlocker(st);
    if (blocker || !this.client || !st.scene || !st.manifest) {
      if (blocker) st.setStatus({ kind: 'error', message: blocker });
      return null;
    }
    const scene = st.scene;
    const manifest = st.manifest;
    const prepared = currentWindow(st);
    if (!prepared || 'error' in prepared) {
      st.setStatus({ kind: 'error', message: prepared ? prepared.error : 'no window' });
      return null;
    }
    const settings = this.settingsNow(over);
    const useIds = ids ?? prepared.ids;
    if (!useIds && !prepared.tiled) {
      st.setStatus({ kind: 'error', message: prepared.idError ?? 'no ID assignment' });
      return null;
    }
    const w = prepared.window;
    const h = horizonOf(st);
    if (!h || !h.ok) {
      st.setStatus({ kind: 'error', message: h && !h.ok ? h.error : 'no horizon' });
      return null;
    }
    const horizon = h.frames;
    settings.windows = h.windows;
    const steps = evaluationsFor(settings.solver, settings.nfe);
    st.setStatus({ kind: 'sampling', step: 0, steps, window: 0, windows: h.windows });
    // A chained rollout reports every flow step of every window; the panel redraws once per window then.
    let shownWindow = -1;
    const req = this.client.sample(
      { T: w.window.T, N: w.window.N, D: w.window.D, pos: w.window.pos, mask: w.window.mask, K: settings.K, nfe: settings.nfe, solver: settings.solver, seed: settings.seed, known: w.known, horizon, ids: useIds ?? undefined, ...tileIds(prepared, settings), feats: w.window.feats, keepSteps: settings.keepSteps, keepLatents: settings.keepLatents },
      (step, total, window, windows) => {
        if (windows > 1 && window === shownWindow) return;
        shownWindow = window;
        this.store.getState().setStatus({ kind: 'sampling', step, steps: total, window, windows });
      },
    );
    this.running = req.id;
    try {
      const r = await req.result;
      if (this.running !== req.id || this.store.getState().scene !== scene) return null;
      const now = this.store.getState();
      const run = now.addRun(buildRun(now.nextRunId, scene, w, manifest.frames.observed, manifest.frames.future, settings, r as RunSamples, runLabel(now.nextRunId, settings)));
      now.setStatus({ kind: 'done' });
      return run;
    } catch (e) {
      if (this.running === req.id) this.store.getState().setStatus(isAbort(e) ? { kind: 'idle' } : { kind: 'error', message: message(e) });
      return null;
    } finally {
      if (this.running === req.id) this.running = null;
    }
  }

  /**
   * Samples again with a new random ID assignment and the same noise seed, and puts the run before and the new
   * one side by side (A/B).
   */
  async reroll(): Promise<Run | null> {
    const st = this.store.getState();
    const before = activeRun(st);
    const idSeed = nextIdSeed(st.settings.idSeed);
    st.updateSettings({ idMode: 'random', idSeed });
    const run = await this.sample({ idMode: 'random', idSeed });
    if (run && before) this.store.getState().setAB(0, before.id);
    if (run) this.store.getState().setAB(1, run.id);
    return run;
  }

  /**
   * Runs every NFE of the comparison set with the same seed, IDs and window in one request, which the worker
   * queues after an untimed warm-up (so first-run costs such as shader compilation are not in the ms); progress
   * counts network evaluations over all settings. Cancel stops the whole comparison.
   */
  async compare(): Promise<Run[] | null> {
    const st = this.store.getState();
    const nfes = [...new Set(st.settings.compareNfes)].filter((n) => Number.isInteger(n) && n >= 1).sort((a, b) => a - b);
    const solver = st.settings.compareSolver;
    if (!nfes.length) {
      st.setStatus({ kind: 'error', message: 'Choose at least one NFE value to compare.' });
      return null;
    }
    const bad = nfes.find((n) => solver === 'heun' && n < 2);
    if (bad !== undefined) {
      st.setStatus({ kind: 'error', message: `The heun solver needs NFE ≥ 2 (NFE ${bad} is in the set).` });
      return null;
    }
    const blocker = sampleBlocker({ ...st, settings: { ...st.settings, solver, nfe: Math.max(2, nfes[0]) } });
    const prepared = currentWindow(st);
    if (blocker || !this.client || !st.scene || !st.manifest || !prepared || 'error' in prepared || (!prepared.ids && !prepared.tiled)) {
      st.setStatus({ kind: 'error', message: blocker ?? (prepared && 'error' in prepared ? prepared.error : (prepared?.idError ?? 'nothing to compare')) });
      return null;
    }
    const scene = st.scene;
    const manifest = st.manifest;
    const w = prepared.window;
    const h = horizonOf(st);
    if (!h || !h.ok) {
      st.setStatus({ kind: 'error', message: h && !h.ok ? h.error : 'no horizon' });
      return null;
    }
    const base = this.settingsNow({ windows: h.windows });
    const horizon = h.frames;
    const total = nfes.reduce((a, n) => a + evaluationsFor(solver, n) * base.windows, 0);
    st.setStatus({ kind: 'comparing', setting: 0, settings: nfes.length, evaluations: 0, totalEvaluations: total });
    const req = this.client.compare(
      {
        base: { T: w.window.T, N: w.window.N, D: w.window.D, pos: w.window.pos, mask: w.window.mask, K: base.K, seed: base.seed, known: w.known, horizon, ids: prepared.ids ?? undefined, ...tileIds(prepared, base), feats: w.window.feats, keepSteps: base.keepSteps, keepLatents: base.keepLatents },
        settings: nfes.map((nfe) => ({ nfe, solver })),
        warmup: true,
      },
      (p) => this.store.getState().setStatus({ kind: 'comparing', ...p }),
    );
    this.running = req.id;
    try {
      const { results, warmupMs } = await req.result;
      if (this.running !== req.id || this.store.getState().scene !== scene) return null;
      const runs: Run[] = [];
      for (const r of results) {
        const now = this.store.getState();
        const s = { ...base, nfe: r.nfe, solver: r.solver };
        runs.push(now.addRun(buildRun(now.nextRunId, scene, w, manifest.frames.observed, manifest.frames.future, s, r as RunSamples, runLabel(now.nextRunId, s)), { activate: false }));
      }
      const end = this.store.getState();
      end.setComparison({ runIds: runs.map((r) => r.id), warmupMs });
      end.setActiveRun(runs[runs.length - 1].id);
      end.setStatus({ kind: 'done' });
      return runs;
    } catch (e) {
      if (this.running === req.id) this.store.getState().setStatus(isAbort(e) ? { kind: 'idle' } : { kind: 'error', message: message(e) });
      return null;
    } finally {
      if (this.running === req.id) this.running = null;
    }
  }

  cancel(): void {
    if (this.client && this.running !== null) this.client.cancel(this.running);
  }

  busy(): boolean {
    return this.running !== null;
  }
}

/** The IDs of a tiled window (more entities than the pool): per tile, in the panel's mode (by hand falls back to random). */
function tileIds(prepared: PreparedWindow, s: Pick<RunSettings, 'idMode' | 'idSeed'>): { idMode?: 'random' | 'sequential'; idSeed?: number } {
  if (!prepared.tiled) return {};
  return s.idMode === 'sequential' ? { idMode: 'sequential' } : { idMode: 'random', idSeed: s.idSeed };
}

export function runLabel(id: number, s: Pick<RunSettings, 'nfe' | 'solver' | 'seed' | 'idMode' | 'idSeed'>): string {
  const ids = s.idMode === 'random' ? `IDs random ${s.idSeed}` : s.idMode === 'sequential' ? 'IDs 0..N-1' : 'IDs by hand';
  return `#${id} · NFE ${s.nfe} ${s.solver} · seed ${s.seed} · ${ids}`;
}

export { nextIdSeed };
export type { ModelManifest, SolverName };
