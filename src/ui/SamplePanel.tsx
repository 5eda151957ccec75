/**
 * The Sample panel: model, K, NFE, solver, seed, horizon (chained windows) and what to keep, then Sample,
 * Cancel and Re-roll IDs. Works for every domain the models cover (2-D agents, 3-D molecules): the panel only
 * reads the store and calls the sampler controller.
 */
import { useEffect, useRef, useState } from 'react';
import type { Conversion } from '../core/sampler/compat';
import { SOLVERS, type SolverName } from '../core/sampler/solvers';
import { chainWarning } from '../core/sampler/stability';
import type { Scene } from '../core/scene';
import { formatTime, unitLabel } from './format';
import { compatOf, describeConversion, horizonOf, modelsFor, ordinal, runInterval, sampleBlocker, samplingNow, type SamplerController } from './sampler';
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
  // Computed here, not in a selector: it returns a new object each time, which a store selector must not.
  const horizon = horizonOf({ scene, manifest, settings });
  const chainWarn = manifest && horizon && horizon.ok ? chainWarning(manifest.name, manifest.metrics, horizon.windows) : null;
  const [confirming, setConfirming] = useState(false);
  // A new scene or model asks again before converting.
  useEffect(() => setConfirming(false), [scene, manifest]);
  const fit = modelsFor(models, scene, manifests);
  const report = compatOf({ scene, manifest });
  const solvers = manifest?.sampler.solvers ?? SOLVERS;
  const future = manifest?.frames.future ?? 0;
  const nowLabel = scene ? scene.frameLabels[now] : undefined;
  const interval = scene ? runInterval(scene, manifest) : null;
  const custom = settings.horizonText.trim() !== '';
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
        <select
          id="sample-windows"
          data-testid="sample-windows"
          value={custom ? 'custom' : settings.windows}
          onChange={(e) => {
            const v = e.currentTarget.value;
            if (v !== 'custom') st.updateSettings({ windows: Number(v), horizonText: '' });
          }}
        >
          {Array.from({ length: MAX_WINDOWS }, (_, i) => i + 1).map((w) => (
            <option key={w} value={w}>
              {w} {w === 1 ? 'window' : 'windows'}
              {future ? ` · ${w * future} frames${interval ? ` · ${formatTime(w * future, interval)}` : ''}` : ''}
            </option>
          ))}
          <option value="custom" disabled={!custom}>
            as typed below
          </option>
        </select>
        <label htmlFor="sample-horizon">or a length</label>
        <input
          id="sample-horizon"
          data-testid="sample-horizon"
          type="text"
          inputMode="decimal"
          placeholder={interval && interval.unit !== 'frame' ? `e.g. 2 ${interval.unit === 'sim' ? 'sim' : bigUnit(interval.unit)}, 500 frames` : 'e.g. 500 frames, 20 windows'}
          aria-describedby="sample-horizon-readout"
          value={settings.horizonText}
          onChange={(e) => st.updateSettings({ horizonText: e.currentTarget.value })}
        />
      </div>
      <p className={horizon && !horizon.ok ? 'error' : 'muted'} id="sample-horizon-readout" data-testid="sample-horizon-readout">
        {horizon && horizon.ok && `horizon: ${horizon.frames} frames = ${horizon.windows} ${horizon.windows === 1 ? 'window' : 'chained windows'} of ${future}${interval && horizon.time !== null ? ` · ${formatTime(horizon.frames, interval)}` : ''}`}
        {horizon && !horizon.ok && horizon.error}
      </p>
      {chainWarn && (
        <p className="warning" role="note" data-testid="sample-chain-warning">
          {chainWarn}
        </p>
      )}
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
        {status.kind === 'sampling' && (status.windows > 1 ? `sampling: window ${status.window + 1} / ${status.windows} (${status.window} done)` : `sampling: flow step ${status.step} / ${status.steps}`)}
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
      {status.kind === 'sampling' && status.windows > 1 && (
        <progress className="sample-progress" data-testid="sample-progress" aria-label="chained windows sampled" max={status.windows} value={status.window} data-window={status.window} data-windows={status.windows} />
      )}
      {report && report.notices.length > 0 && (
        <ul className="muted notices" data-testid="compat-notices">
          {report.notices.map((n) => (
            <li key={n.field}>{n.message}</li>
          ))}
        </ul>
      )}
      {report && report.problems.length === 0 && report.conversions.length > 0 && scene && manifest && (
        <div className="conversion" data-testid="compat-conversions">
          <p>
            Model {manifest.name} takes this scene after converting it: {report.conversions.map(describeConversion).join('; ')}.
          </p>
          {!confirming ? (
            <button type="button" data-testid="convert-scene" onClick={() => setConfirming(true)}>
              Convert the scene…
            </button>
          ) : (
            <div className="confirm" role="group" aria-labelledby="convert-confirm-text" data-testid="convert-confirm-step">
              <p id="convert-confirm-text">Convert {scene.name} for model {manifest.name}?</p>
              <ul data-testid="convert-list">
                {report.conversions.map((c, i) => (
                  <li key={i}>{conversionDetail(c, scene)}</li>
                ))}
              </ul>
              <p className="muted">The page samples the converted copy; the file is not changed, and this scene&apos;s runs are cleared.</p>
              <div className="actions">
                <button
                  type="button"
                  className="primary"
                  data-testid="convert-confirm"
                  autoFocus
                  onClick={() => {
                    setConfirming(false);
                    controller.convertScene();
                  }}
                >
                  Convert
                </button>
                <button type="button" data-testid="convert-cancel" onClick={() => setConfirming(false)}>
                  Keep the scene as it is
                </button>
              </div>
            </div>
          )}
        </div>
      )}
      {report && report.problems.length > 0 && report.conversions.length > 0 && manifest && (
        <p className="muted" data-testid="compat-also">
          Beyond that, model {manifest.name} would need the scene converted: {report.conversions.map(describeConversion).join('; ')}.
        </p>
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

/** One conversion with the scene's value and the model's, and what it does to the scene. */
export function conversionDetail(c: Conversion, scene: Scene): string {
  if (c.kind === 'length') return `lengths: the scene is in ${unitLabel(c.from)}, the model takes ${unitLabel(c.to)}: every coordinate × ${Number(c.factor.toPrecision(6))}`;
  const kept = Math.ceil(scene.frameCount / c.every);
  return `frames: the scene's are ${c.from.value} ${unitLabel(c.from.unit)} apart, the model steps ${c.to.value} ${unitLabel(c.to.unit)}: every ${ordinal(c.every)} frame is kept (${kept} of ${scene.frameCount})`;
}

/** The unit a long horizon is naturally typed in (1 ps frames: ns). */
function bigUnit(u: string): string {
  return u === 'fs' ? 'ps' : u === 'ps' ? 'ns' : u === 'ms' ? 's' : u;
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
