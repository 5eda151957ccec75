/**
 * The Sample panel: model, K, NFE, solver, seed, horizon (chained windows) and what to keep, then Sample,
 * Cancel and Re-roll IDs. Works for every domain the models cover (2-D agents, 3-D molecules): the panel only
 * reads the store and calls the sampler controller.
 */
import { useEffect, useRef } from 'react';
import { SOLVERS, type SolverName } from '../core/sampler/solvers';
import { formatTime } from './format';
import { compatOf, describeConversion, modelsFor, sampleBlocker, samplingNow, type SamplerController } from './sampler';
import { activeRun, appStore, useApp } from './store';

declare global {
  interface Window {
    /** read-only e2e hook (see test/e2e/sample.test.ts) */
    __lamslideSample?: { state(): SampleHookState; positions(runId: number, k: number, j: number): number[][] | null; sourceIds(): string[] };
  }
}

export interface SampleHookState {
  status: string;
  backend: string | null;
  ms: number | null;
  K: number;
  lines: number;
  truthLines: number;
  error: string | null;
  model: string | null;
  runs: { id: number; label: string; K: number; N: number; horizon: number; now: number; nfe: number; solver: string; seed: number; ids: number[]; sourceIds: string[] }[];
  active: number | null;
  pick: string | number;
}

/** Entities are named for the scene's kind in sentences ("6 futures × 16 pedestrians"). */
export function entityNoun(kind: string, n: number): string {
  const one = kind === 'pedestrian' ? 'pedestrian' : kind === 'molecule' ? 'atom' : kind === 'basketball' ? 'player' : kind === 'nbody' ? 'body' : 'entity';
  if (n === 1) return one;
  return one === 'body' ? 'bodies' : one === 'entity' ? 'entities' : `${one}s`;
}

const backendName = (b: string | null | undefined) => (b === 'webgpu' ? 'WebGPU' : b === 'wasm' ? 'WASM' : (b ?? ''));

export const MAX_WINDOWS = 10;

export function SamplePanel({ controller, drawn }: { controller: SamplerController; drawn: () => { lines: number; truthLines: number } }) {
  const scene = useApp((s) => s.scene);
  const models = useApp((s) => s.models);
  const manifest = useApp((s) => s.manifest);
  const backend = useApp((s) => s.backend);
  const settings = useApp((s) => s.settings);
  const status = useApp((s) => s.status);
  const run = useApp(activeRun);
  const now = useApp(samplingNow);
  const blocker = useApp(sampleBlocker);
  const st = appStore.getState();
  const busy = status.kind === 'sampling' || status.kind === 'comparing' || status.kind === 'loading-model';

  const drawnRef = useRef(drawn);
  drawnRef.current = drawn;
  useEffect(() => {
    window.__lamslideSample = {
      state: () => {
        const s = appStore.getState();
        const r = activeRun(s);
        const d = drawnRef.current();
        return {
          status: s.status.kind,
          backend: r?.timing.backend ?? null,
          ms: r?.timing.ms ?? null,
          K: r?.K ?? 0,
          lines: d.lines,
          truthLines: d.truthLines,
          error: s.status.kind === 'error' ? s.status.message : null,
          model: s.manifest?.name ?? null,
          runs: s.runs.map((x) => ({
            id: x.id,
            label: x.label,
            K: x.K,
            N: x.N,
            horizon: x.horizon,
            now: x.now,
            nfe: x.settings.nfe,
            solver: x.settings.solver,
            seed: x.settings.seed,
            ids: Array.from(x.ids),
            sourceIds: x.entities.map((i) => s.scene?.entities[i]?.sourceId ?? ''),
          })),
          active: s.activeRunId,
          pick: s.pick,
        };
      },
      sourceIds: () => appStore.getState().scene?.entities.map((e) => e.sourceId) ?? [],
      // Sample k's positions at future frame j of a run, per sampled entity: [sceneEntity, x, y(, z)].
      positions: (runId, k, j) => {
        const r = appStore.getState().runs.find((x) => x.id === runId);
        if (!r || k >= r.K || j >= r.horizon) return null;
        return r.active.map((n) => [r.entities[n], ...Array.from(r.future.subarray(((k * r.horizon + j) * r.N + n) * r.D, ((k * r.horizon + j) * r.N + n + 1) * r.D))]);
      },
    };
    return () => {
      delete window.__lamslideSample;
    };
  }, []);

  const manifests = useApp((s) => s.manifests);
  const fit = modelsFor(models, scene, manifests);
  const report = compatOf({ scene, manifest });
  const solvers = manifest?.sampler.solvers ?? SOLVERS;
  const future = manifest?.frames.future ?? 0;
  const nowLabel = scene ? scene.frameLabels[now] : undefined;
  return (
    <div className="sample-panel" data-testid="sample-panel">
      {fit.length > 0 && (
        <div className="form-grid">
          <label htmlFor="sample-model">model</label>
          <select id="sample-model" data-testid="sample-model" value={settings.model} onChange={(e) => void controller.loadModel(e.currentTarget.value)} disabled={busy}>
            {fit.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {scene && (
        <p className="muted" data-testid="sample-now">
          now: frame {now} · {formatTime(now, scene.frameInterval)}
          {nowLabel !== undefined && <> (source frame {nowLabel})</>}
          {run && now === run.now && ' — as the run on screen'}
        </p>
      )}
      <div className="form-grid sample-controls">
        <label htmlFor="sample-k">K (samples)</label>
        <input id="sample-k" data-testid="sample-k" type="number" min={1} max={64} value={settings.K} onChange={(e) => st.updateSettings({ K: Math.max(1, Math.min(64, Math.trunc(Number(e.currentTarget.value)) || 1)) })} />
        <label htmlFor="sample-nfe">NFE</label>
        <input id="sample-nfe" data-testid="sample-nfe" type="number" min={1} max={100} value={settings.nfe} onChange={(e) => st.updateSettings({ nfe: Math.max(1, Math.min(100, Math.trunc(Number(e.currentTarget.value)) || 1)) })} />
        <SolverSelect id="sample-solver" value={settings.solver} solvers={solvers} onChange={(solver) => st.updateSettings({ solver })} />
        <label htmlFor="sample-seed">noise seed</label>
        <input id="sample-seed" data-testid="sample-seed" type="number" value={settings.seed} onChange={(e) => st.updateSettings({ seed: Math.trunc(Number(e.currentTarget.value)) || 0 })} />
        <label htmlFor="sample-windows">horizon</label>
        <select id="sample-windows" data-testid="sample-windows" value={settings.windows} onChange={(e) => st.updateSettings({ windows: Number(e.currentTarget.value) })}>
          {Array.from({ length: MAX_WINDOWS }, (_, i) => i + 1).map((w) => (
            <option key={w} value={w}>
              {w} {w === 1 ? 'window' : 'windows'}
              {future ? ` · ${w * future} frames${scene ? ` · ${formatTime(w * future, scene.frameInterval)}` : ''}` : ''}
            </option>
          ))}
        </select>
      </div>
      <div className="checks">
        <label>
          <input type="checkbox" data-testid="keep-steps" checked={settings.keepSteps} onChange={(e) => st.updateSettings({ keepSteps: e.currentTarget.checked })} /> keep solver steps
        </label>
        <label>
          <input type="checkbox" data-testid="keep-latents" checked={settings.keepLatents} onChange={(e) => st.updateSettings({ keepLatents: e.currentTarget.checked })} /> keep latents
        </label>
      </div>
      <div className="actions">
        <button type="button" className="primary" data-testid="sample-run" disabled={blocker !== null || busy} onClick={() => void controller.sample()}>
          Sample
        </button>
        <button type="button" data-testid="reroll" disabled={blocker !== null || busy || !run} title="Sample again with a new random ID assignment and the same noise seed" onClick={() => void controller.reroll()}>
          Re-roll IDs
        </button>
        {(status.kind === 'sampling' || status.kind === 'comparing') && (
          <button type="button" data-testid="sample-cancel" onClick={() => controller.cancel()}>
            Cancel
          </button>
        )}
      </div>
      <p className="muted" data-testid="sample-status" role="status">
        {status.kind === 'loading-model' && `loading model ${status.name}…${status.file ? ` ${status.file}` : ''}`}
        {status.kind === 'sampling' && `sampling: flow step ${status.step} / ${status.steps}${status.windows > 1 ? ` · window ${status.window + 1} / ${status.windows}` : ''}`}
        {status.kind === 'comparing' && `comparing NFE: setting ${status.setting + 1} / ${status.settings}`}
        {status.kind === 'idle' && manifest && `model ${manifest.name} ready (${backendName(backend)})`}
        {status.kind === 'done' &&
          run &&
          scene &&
          `${run.K} futures × ${run.active.length} ${entityNoun(scene.kind, run.active.length)} in ${run.timing.ms.toFixed(0)} ms on ${backendName(run.timing.backend)}${run.timing.latentsOnGpu ? ' (latents kept on the GPU)' : ''}`}
      </p>
      {status.kind === 'loading-model' && status.file && (
        <progress
          className="load-progress"
          data-testid="load-progress"
          aria-label={`downloading ${status.file}`}
          max={status.total ?? undefined}
          value={status.total ? status.loaded : undefined}
        />
      )}
      {report && report.notices.length > 0 && (
        <ul className="muted notices" data-testid="compat-notices">
          {report.notices.map((n) => (
            <li key={n.field}>{n.message}</li>
          ))}
        </ul>
      )}
      {report && report.problems.length === 0 && report.conversions.length > 0 && (
        <div className="conversion" data-testid="compat-conversions">
          <p>
            Model {manifest?.name} takes this scene after converting it: {report.conversions.map(describeConversion).join('; ')}.
          </p>
          <button type="button" data-testid="convert-scene" onClick={() => controller.convertScene()}>
            Convert the scene
          </button>
        </div>
      )}
      {blocker && scene && status.kind !== 'loading-model' && (
        <p className="muted" data-testid="sample-blocker">
          {blocker}
        </p>
      )}
      {status.kind === 'error' && (
        <p className="error" data-testid="sample-error" role="alert">
          {status.message}
        </p>
      )}
    </div>
  );
}

/** A labelled-by-id solver choice (the Sample and Compare NFE panels). */
export function SolverSelect({ id, value, solvers, onChange }: { id: string; value: SolverName; solvers: readonly SolverName[]; onChange: (s: SolverName) => void }) {
  return (
    <>
      <label htmlFor={id}>solver</label>
      <select id={id} data-testid={id} value={value} onChange={(e) => onChange(e.currentTarget.value as SolverName)}>
        {solvers.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </>
  );
}
