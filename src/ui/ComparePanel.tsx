/**
 * NFE comparison. The panel picks the NFE values (default 1, 2, 5, 10, 20) and a solver; Compare NFE runs them
 * all with the same noise seed, IDs and window in the worker's queue, with a progress bar counting network
 * evaluations, and can be cancelled. The dock below the main view shows the results side by side as small
 * viewports sharing one camera and the one timeline, then a table and a plot of error and time against NFE.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '../core/run/run';
import { SOLVERS } from '../core/sampler/solvers';
import { viewOf } from './display';
import { unitLabel } from './format';
import { LinePlot } from './Plot';
import { nfeLongRows, nfeRows } from './plotData';
import { fmt } from './RunsPanel';
import { sampleBlocker, type SamplerController } from './sampler';
import { SolverSelect } from './SamplePanel';
import { appStore, runById, useApp } from './store';
import { GridRenderer } from './view/gridRenderer';

let currentGrid: GridRenderer | null = null;
/** The comparison grid on screen (test hook), or null. */
export function getGrid(): GridRenderer | null {
  return currentGrid;
}

export function parseNfeList(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 200) return `“${p}” is not an NFE between 1 and 200`;
    out.push(Number(p));
  }
  if (!out.length) return 'list at least one NFE';
  return [...new Set(out)].sort((a, b) => a - b);
}

export function ComparePanel({ controller }: { controller: SamplerController }) {
  const settings = useApp((s) => s.settings);
  const status = useApp((s) => s.status);
  const manifest = useApp((s) => s.manifest);
  const blocker = useApp(sampleBlocker);
  const [text, setText] = useState(settings.compareNfes.join(', '));
  const [textError, setTextError] = useState<string | null>(null);
  const st = appStore.getState();
  const busy = status.kind === 'sampling' || status.kind === 'comparing' || status.kind === 'loading-model';
  const solvers = manifest?.sampler.solvers ?? SOLVERS;
  return (
    <div className="compare-panel" data-testid="compare-panel">
      <div className="form-grid">
        <label htmlFor="compare-nfes">NFE values</label>
        <input
          id="compare-nfes"
          data-testid="compare-nfes"
          value={text}
          aria-invalid={textError ? true : undefined}
          aria-describedby="compare-nfes-help"
          onChange={(e) => {
            const t = e.currentTarget.value;
            setText(t);
            const r = parseNfeList(t);
            if (typeof r === 'string') setTextError(r);
            else {
              setTextError(null);
              st.updateSettings({ compareNfes: r });
            }
          }}
        />
        <SolverSelect id="compare-solver" value={settings.compareSolver} solvers={solvers} onChange={(compareSolver) => st.updateSettings({ compareSolver })} />
      </div>
      <p id="compare-nfes-help" className="muted">
        {textError ?? `Same noise seed (${settings.seed}), IDs, K (${settings.K}) and horizon for every setting.`}
      </p>
      <div className="actions">
        <button type="button" className="primary" data-testid="compare-run" disabled={blocker !== null || busy || textError !== null} onClick={() => void controller.compare()}>
          Compare NFE
        </button>
        {status.kind === 'comparing' && (
          <button type="button" data-testid="compare-cancel" onClick={() => controller.cancel()}>
            Cancel
          </button>
        )}
      </div>
      {status.kind === 'comparing' && (
        <div className="progress-row">
          <progress data-testid="compare-progress" aria-label="network evaluations" max={status.totalEvaluations} value={status.evaluations} />
          <span className="muted" data-testid="compare-progress-text">
            {status.evaluations} / {status.totalEvaluations} network evaluations · setting {status.setting + 1} / {status.settings}
          </span>
        </div>
      )}
    </div>
  );
}

/** The comparison's runs (in NFE order) for the dock. */
function useComparisonRuns(): Run[] {
  const ids = useApp((s) => s.comparison?.runIds);
  const runs = useApp((s) => s.runs);
  return useMemo(() => (ids ?? []).map((id) => runById({ runs }, id)).filter((r): r is Run => r !== null), [ids, runs]);
}

export function CompareDock() {
  const runs = useComparisonRuns();
  const scene = useApp((s) => s.scene);
  const warmupMs = useApp((s) => s.comparison?.warmupMs ?? null);
  const activeId = useApp((s) => s.activeRunId);
  const [open, setOpen] = useState(true);
  const host = useRef<HTMLDivElement>(null);
  const grid = useRef<GridRenderer | null>(null);
  const st = appStore.getState();

  useEffect(() => {
    if (!open || !runs.length || !host.current) return;
    const g = new GridRenderer(host.current);
    grid.current = g;
    currentGrid = g;
    const push = () => {
      const s = appStore.getState();
      g.setViews(runs.map((r) => viewOf(s.scene, r, s.pick)));
      g.setFrame(s.frame);
      g.setHighlight(s.highlight);
    };
    push();
    let last = { frame: -1, pick: null as unknown, highlight: null as number | null };
    const unsub = appStore.subscribe((s) => {
      if (s.pick !== last.pick) g.setViews(runs.map((r) => viewOf(s.scene, r, s.pick)));
      if (s.frame !== last.frame) g.setFrame(s.frame);
      if (s.highlight !== last.highlight) g.setHighlight(s.highlight);
      last = { frame: s.frame, pick: s.pick, highlight: s.highlight };
    });
    return () => {
      unsub();
      g.dispose();
      grid.current = null;
      if (currentGrid === g) currentGrid = null;
    };
  }, [open, runs]);

  if (!runs.length || !scene) return null;
  const rows = nfeRows(runs);
  const long = nfeLongRows(rows);
  const unit = unitLabel(runs[0].lengthUnit);
  const hasTruth = rows.some((r) => r.ade !== null);
  return (
    <section className="compare-dock" data-testid="compare-dock" aria-label="NFE comparison">
      <div className="dock-head">
        <h2>NFE comparison</h2>
        <span className="muted">one camera and one timeline for all; ms exclude the warm-up{warmupMs !== null ? ` (${warmupMs.toFixed(0)} ms, not counted)` : ' (each setting timed on its own)'}</span>
        <button type="button" className="small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide' : 'Show'}
        </button>
        <button type="button" className="small" onClick={() => st.setComparison(null)}>
          Close
        </button>
      </div>
      {open && (
        <>
          <div className="grid-view" data-testid="compare-grid" ref={host}>
            <div className="grid-labels">
              {runs.map((r) => (
                <button type="button" key={r.id} className={`grid-label${r.id === activeId ? ' active' : ''}`} data-testid={`grid-label-${r.settings.nfe}`} onClick={() => st.setActiveRun(r.id)} title="Show this run in the main view">
                  NFE {r.settings.nfe} · {r.settings.solver} · {r.timing.ms.toFixed(0)} ms
                </button>
              ))}
            </div>
          </div>
          <div className="dock-body">
            <table className="data-table" data-testid="compare-table">
              <caption>NFE against error and time</caption>
              <thead>
                <tr>
                  <th scope="col">NFE</th>
                  <th scope="col">solver</th>
                  <th scope="col">ms</th>
                  {hasTruth && <th scope="col">minADE ({unit})</th>}
                  {hasTruth && <th scope="col">minFDE ({unit})</th>}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.run} data-nfe={r.nfe}>
                    <td>{r.nfe}</td>
                    <td>{r.solver}</td>
                    <td>{r.ms.toFixed(0)}</td>
                    {hasTruth && <td>{fmt(r.ade)}</td>}
                    {hasTruth && <td>{fmt(r.fde)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="nfe-plots">
              {hasTruth && (
                <LinePlot testId="plot-nfe" label={`minADE / minFDE (${unit}) against NFE`} rows={long.filter((d) => d.measure !== 'ms')} x="nfe" y="value" series="measure" xLabel="NFE" yLabel={`error (${unit})`} width={300} logTicks={rows.map((r) => r.nfe)} dots />
              )}
              <LinePlot testId="plot-nfe-time" label="Time (ms, warm-up excluded) against NFE" rows={long.filter((d) => d.measure === 'ms')} x="nfe" y="value" series="measure" xLabel="NFE" yLabel="ms" width={300} logTicks={rows.map((r) => r.nfe)} dots />
            </div>
          </div>
        </>
      )}
    </section>
  );
}

