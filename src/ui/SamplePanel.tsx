/**
 * The Sample panel: with a 2-D (pedestrian) scene loaded, samples K futures from the current timeline frame
 * ("now") in the sampling worker (src/engine/worker.ts) and hands a fan of trajectories to the view.
 * No model math here: the window is cut by core/sampler/scene-sample.ts, sampling runs in the worker.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ModelManifest, ModelIndexEntry } from '../core/sampler/manifest';
import { parseModelIndex } from '../core/sampler/manifest';
import { dimsFromManifest } from '../core/sampler/rollout';
import { sceneSampleWindow, type SceneSampleWindow } from '../core/sampler/scene-sample';
import { evaluationsFor, type SolverName, SOLVERS } from '../core/sampler/solvers';
import type { Scene } from '../core/scene';
import { SamplerClient } from '../engine/client';
import type { SampleResult } from '../engine/protocol';
import type { SampleFan } from './view/fanLayer';

/** Where the panel puts its drawing: the view draws the fan in its world (scene coordinates as PlaneLayer). */
export interface OverlayHost {
  setFan(fan: SampleFan | null): { lines: number; truthLines: number };
}

export interface SamplePanelProps {
  scene: Scene | null;
  /** the current timeline frame: "now" */
  frame: number;
  overlay?: OverlayHost | null;
}


type Status =
  | { kind: 'idle' }
  | { kind: 'loading-model'; name: string }
  | { kind: 'sampling'; step: number; steps: number }
  | { kind: 'done' }
  | { kind: 'error'; message: string };

declare global {
  interface Window {
    /** read-only e2e hook (see test/e2e/sample.test.ts) */
    __lamslideSample?: { state(): { status: string; backend: string | null; ms: number | null; K: number; lines: number; truthLines: number; error: string | null; model: string | null } };
  }
}

const MODELS_BASE = (): URL => new URL('models/', document.baseURI);

// Inline layout: the panel's few controls do not justify rules in the shared stylesheet.
const GRID = { display: 'grid', gridTemplateColumns: '90px minmax(0, 1fr)', gap: '6px 8px', alignItems: 'center', margin: '6px 0' } as const;
const FIELD = { width: '100%', boxSizing: 'border-box' } as const;

function fanFrom(w: SceneSampleWindow, observed: number, r: SampleResult): SampleFan {
  const { N, D, T } = w.window;
  const now = observed - 1;
  const horizon = r.horizon;
  const truth = new Float32Array(horizon * N * D);
  const truthMask = new Float32Array(horizon * N);
  for (let j = 0; j < horizon && now + 1 + j < T; j++) {
    truth.set(w.window.pos.subarray((now + 1 + j) * N * D, (now + 2 + j) * N * D), j * N * D);
    truthMask.set(w.window.mask.subarray((now + 1 + j) * N, (now + 2 + j) * N), j * N);
  }
  // Every entity seen in a known frame is sampled (CONTRACT.md step 5); its fan starts at its last known
  // position (the conditioning view holds it there when it is not visible at "now").
  const active: number[] = [];
  const start = new Float32Array(N * D);
  const first = observed - w.known;
  for (let n = 0; n < N; n++) {
    let at = -1;
    for (let f = now; f >= first && at < 0; f--) if (w.window.mask[f * N + n]) at = f;
    if (at < 0) continue;
    active.push(n);
    start.set(w.window.pos.subarray((at * N + n) * D, (at * N + n + 1) * D), n * D);
  }
  return {
    nowFrame: w.nowFrame,
    K: r.K,
    entities: w.window.entities,
    active,
    horizon,
    D,
    future: r.future,
    truth,
    truthMask,
    now: start,
    backend: r.backend,
    latentsOnGpu: r.latentsOnGpu,
    ms: r.ms,
  };
}

export function SamplePanel({ scene, frame, overlay }: SamplePanelProps) {
  const [client, setClient] = useState<SamplerClient | null>(null);
  const [models, setModels] = useState<ModelIndexEntry[]>([]);
  const [modelName, setModelName] = useState<string>('');
  const [manifest, setManifest] = useState<ModelManifest | null>(null);
  const [loadedBackend, setLoadedBackend] = useState<string | null>(null);
  const [K, setK] = useState(20);
  const [nfe, setNfe] = useState(10);
  const [solver, setSolver] = useState<SolverName>('ddim');
  const [seed, setSeed] = useState(0);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [fan, setFan] = useState<SampleFan | null>(null);
  const running = useRef<number | null>(null);
  const drawn = useRef({ lines: 0, truthLines: 0 });

  // One worker per mounted panel (StrictMode mounts twice in development: the first one is terminated).
  useEffect(() => {
    const c = SamplerClient.create();
    setClient(c);
    return () => c.terminate();
  }, []);

  useEffect(() => {
    let stop = false;
    fetch(new URL('index.json', MODELS_BASE()))
      .then(async (res) => {
        if (!res.ok) throw new Error(`models/index.json: HTTP ${res.status}`);
        const list = parseModelIndex(await res.json()).filter((m) => m.domain === 'pedestrian');
        if (stop) return;
        setModels(list);
        setModelName((cur) => cur || (list.find((m) => m.default) ?? list[0])?.name || '');
      })
      .catch((e: unknown) => !stop && setStatus({ kind: 'error', message: `no model list: ${e instanceof Error ? e.message : String(e)}` }));
    return () => {
      stop = true;
    };
  }, []);

  useEffect(() => {
    const entry = models.find((m) => m.name === modelName);
    if (!client || !entry) return;
    let stop = false;
    setStatus({ kind: 'loading-model', name: entry.name });
    setManifest(null);
    client
      .load(new URL(entry.path.endsWith('/') ? entry.path : `${entry.path}/`, MODELS_BASE()).href, { backend: 'auto' })
      .then((r) => {
        if (stop) return;
        setManifest(r.manifest);
        setLoadedBackend(r.backend);
        setNfe(r.manifest.sampler.default_nfe);
        setSolver(r.manifest.sampler.default_solver);
        setStatus({ kind: 'idle' });
      })
      .catch((e: unknown) => !stop && setStatus({ kind: 'error', message: e instanceof Error ? e.message : String(e) }));
    return () => {
      stop = true;
    };
  }, [client, models, modelName]);

  // A new scene invalidates the fan.
  useEffect(() => setFan(null), [scene]);

  useEffect(() => {
    if (!overlay) return;
    if (!scene || !fan) {
      drawn.current = overlay.setFan(null);
      return;
    }
    drawn.current = overlay.setFan(fan);
    return () => {
      overlay.setFan(null);
    };
  }, [overlay, scene, fan]);

  const stateRef = useRef({ status, fan, manifest, K });
  stateRef.current = { status, fan, manifest, K };
  useEffect(() => {
    window.__lamslideSample = {
      state: () => {
        const s = stateRef.current;
        return {
          status: s.status.kind,
          backend: s.fan?.backend ?? null,
          ms: s.fan?.ms ?? null,
          K: s.fan?.K ?? 0,
          lines: drawn.current.lines,
          truthLines: drawn.current.truthLines,
          error: s.status.kind === 'error' ? s.status.message : null,
          model: s.manifest?.name ?? null,
        };
      },
    };
    return () => {
      delete window.__lamslideSample;
    };
  }, []);

  const usable = scene !== null && scene.dim === 2 && manifest !== null && manifest.dims === 2;
  const busy = status.kind === 'sampling' || status.kind === 'loading-model';

  const sample = useCallback(() => {
    if (!client || !scene || !manifest) return;
    let w: SceneSampleWindow;
    const dims = dimsFromManifest(manifest);
    try {
      w = sceneSampleWindow(scene, dims, Math.min(frame, scene.frameCount - 1));
    } catch (e) {
      setStatus({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
      return;
    }
    const steps = evaluationsFor(solver, nfe);
    setStatus({ kind: 'sampling', step: 0, steps });
    const { id, result } = client.sample(
      { T: w.window.T, N: w.window.N, D: w.window.D, pos: w.window.pos, mask: w.window.mask, K, nfe, solver, seed, known: w.known },
      (step, total) => setStatus({ kind: 'sampling', step, steps: total }),
    );
    running.current = id;
    result
      .then((r) => {
        if (running.current !== id) return;
        setFan(fanFrom(w, dims.observed, r));
        setStatus({ kind: 'done' });
      })
      .catch((e: unknown) => {
        if (running.current !== id) return;
        setStatus(e instanceof Error && e.name === 'AbortError' ? { kind: 'idle' } : { kind: 'error', message: e instanceof Error ? e.message : String(e) });
      })
      .finally(() => {
        if (running.current === id) running.current = null;
      });
  }, [client, scene, manifest, frame, K, nfe, solver, seed]);

  const cancel = useCallback(() => {
    if (client && running.current !== null) client.cancel(running.current);
  }, [client]);

  const nowLabel = scene ? scene.frameLabels[Math.min(frame, scene.frameCount - 1)] : undefined;
  const solvers = manifest?.sampler.solvers ?? SOLVERS;

  return (
    <div className="sample-panel" data-testid="sample-panel">
      {models.length > 0 && (
        <div style={GRID}>
          <label htmlFor="sample-model">model</label>
          <select id="sample-model" data-testid="sample-model" value={modelName} style={FIELD} onChange={(e) => setModelName(e.currentTarget.value)} disabled={busy}>
            {models.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {!scene && <p className="muted">Load a pedestrian scene to sample its futures.</p>}
      {scene && scene.dim !== 2 && <p className="muted">Sampling needs a 2-D (pedestrian) scene.</p>}
      {scene && scene.dim === 2 && (
        <p className="muted" data-testid="sample-now">
          now = frame {nowLabel} (the timeline frame)
        </p>
      )}
      <div className="sample-controls" style={GRID}>
        <label htmlFor="sample-k">K (samples)</label>
        <input id="sample-k" data-testid="sample-k" type="number" min={1} max={64} value={K} style={FIELD} onChange={(e) => setK(Math.max(1, Math.min(64, Number(e.currentTarget.value) || 1)))} />
        <label htmlFor="sample-nfe">NFE</label>
        <input id="sample-nfe" data-testid="sample-nfe" type="number" min={1} max={100} value={nfe} style={FIELD} onChange={(e) => setNfe(Math.max(1, Math.min(100, Number(e.currentTarget.value) || 1)))} />
        <label htmlFor="sample-solver">solver</label>
        <select id="sample-solver" data-testid="sample-solver" value={solver} style={FIELD} onChange={(e) => setSolver(e.currentTarget.value as SolverName)}>
          {solvers.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label htmlFor="sample-seed">seed</label>
        <input id="sample-seed" data-testid="sample-seed" type="number" value={seed} style={FIELD} onChange={(e) => setSeed(Math.trunc(Number(e.currentTarget.value) || 0))} />
      </div>
      <div className="sample-actions" style={{ display: 'flex', gap: 8, margin: '10px 0 4px' }}>
        <button type="button" className="primary" data-testid="sample-run" disabled={!usable || busy || (solver === 'heun' && nfe < 2)} onClick={sample}>
          Sample
        </button>
        {status.kind === 'sampling' && (
          <button type="button" className="small" data-testid="sample-cancel" onClick={cancel}>
            Cancel
          </button>
        )}
        {fan && (
          <button type="button" className="small" data-testid="sample-clear" onClick={() => setFan(null)}>
            Clear
          </button>
        )}
      </div>
      <p className="muted" data-testid="sample-status" role="status">
        {status.kind === 'loading-model' && `loading model ${status.name}…`}
        {status.kind === 'sampling' && `sampling: flow step ${status.step} / ${status.steps}`}
        {status.kind === 'idle' && manifest && `model ${manifest.name} ready (${loadedBackend === 'webgpu' ? 'WebGPU' : loadedBackend === 'wasm' ? 'WASM' : loadedBackend})`}
        {status.kind === 'done' && fan && `${fan.K} futures × ${fan.active.length} pedestrians in ${fan.ms.toFixed(0)} ms on ${fan.backend === 'webgpu' ? 'WebGPU' : fan.backend === 'wasm' ? 'WASM' : fan.backend}${fan.latentsOnGpu ? ' (latents kept on the GPU)' : ''}`}
      </p>
      {status.kind === 'error' && (
        <p className="error" data-testid="sample-error" role="alert">
          {status.message}
        </p>
      )}
    </div>
  );
}
