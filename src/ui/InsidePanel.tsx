/**
 * Inside the model: step through the ODE integration of the run on screen (the decoded data prediction at every
 * network evaluation of window 0, drawn in the main view, so a sample sharpens from noise step by step), and
 * the latent trajectory itself (L × C values per frame, known frames marked). Both need the run's options
 * "keep solver steps" / "keep latents" (off by default: they cost memory).
 */
import { useMemo } from 'react';
import { latentCells, stepCount } from '../core/run/steps';
import { PlotFigure } from './Plot';
import { activeRun, appStore, resolvePick, useApp } from './store';

export function InsidePanel() {
  const run = useApp(activeRun);
  const odeStep = useApp((s) => s.odeStep);
  const pick = useApp((s) => s.pick);
  const latentWindow = useApp((s) => s.latentWindow);
  const st = appStore.getState();
  const S = run ? stepCount(run) : 0;
  const k = run ? (resolvePick(run, pick) ?? 0) : 0;
  const w = run?.latents ? Math.min(latentWindow, run.latents.W - 1) : 0;
  const cells = useMemo(() => (run?.latents ? latentCells(run, w, k) : null), [run, w, k]);
  if (!run) return <p className="muted">Sample with “keep solver steps” or “keep latents” to look inside the model.</p>;
  const lat = run.latents;
  return (
    <div className="inside-panel" data-testid="inside-panel">
      {S > 0 ? (
        <div className="ode-steps">
          <label htmlFor="ode-step">ODE step</label>
          <input
            id="ode-step"
            type="range"
            data-testid="ode-step"
            aria-label="ODE step"
            min={0}
            max={S}
            value={odeStep === null ? S : odeStep}
            aria-valuetext={odeStep === null ? 'final sample' : `step ${odeStep + 1} of ${S}, t = ${run.steps!.t[odeStep].toFixed(3)}`}
            onChange={(e) => {
              const v = Number(e.currentTarget.value);
              st.setOdeStep(v >= S ? null : v);
            }}
          />
          <span className="muted" data-testid="ode-step-readout">
            {odeStep === null ? `final sample (after ${S} network evaluations)` : `prediction x̂₁ at evaluation ${odeStep + 1} / ${S}, t = ${run.steps!.t[odeStep].toFixed(3)} (window 1)`}
          </span>
        </div>
      ) : (
        <p className="muted">Solver steps were not kept for this run (option “keep solver steps”).</p>
      )}
      {lat && cells ? (
        <>
          <div className="form-grid">
            <label htmlFor="latent-window">window</label>
            <select id="latent-window" data-testid="latent-window" value={w} onChange={(e) => st.setLatentWindow(Number(e.currentTarget.value))}>
              {Array.from({ length: lat.W }, (_, i) => (
                <option key={i} value={i}>
                  {i + 1} of {lat.W}
                </option>
              ))}
            </select>
          </div>
          <PlotFigure
            testId="plot-latents"
            label={`Latent trajectory of sample ${k}: ${lat.L} × ${lat.C} values per frame, window ${w + 1} (known frames marked)`}
            deps={[cells]}
            build={(Plot) => ({
              height: 40 + lat.T * 9,
              marginLeft: 56,
              x: { label: `latent coordinate (l · ${lat.C} + c)`, ticks: [] },
              y: { label: 'frame', reverse: true },
              color: { scheme: 'RdBu', type: 'diverging', legend: true, label: 'value' },
              marks: [
                Plot.raster(cells, { x: 'i', y: 'f', fill: 'v', interpolate: 'none', x1: 0, x2: lat.L * lat.C, y1: -0.5, y2: lat.T - 0.5, width: lat.L * lat.C, height: lat.T }),
                Plot.text(
                  Array.from({ length: lat.T }, (_, f) => f).filter((f) => cells[f * lat.L * lat.C].known),
                  { x: 0, y: (f: number) => f, text: () => 'known', dx: -30, fill: '#ffd54a', textAnchor: 'end' },
                ),
              ],
            })}
          />
        </>
      ) : (
        <p className="muted">Latents were not kept for this run (option “keep latents”).</p>
      )}
    </div>
  );
}
