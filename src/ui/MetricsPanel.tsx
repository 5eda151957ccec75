/**
 * Metrics of the run on screen (and of the A/B pair or the NFE comparison in the plots): minADE / minFDE when
 * the file has ground truth after "now", error and sample spread against the horizon, per-entity minADE /
 * minFDE in a sortable table (a row click highlights the entity in the view), and for scenes with chemistry the
 * distribution of bond-length deviations from the known frames.
 */
import { useMemo, useState } from 'react';
import { bondDeviations, entityMetrics, runSummary, sampleSpread, type EntityMetric } from '../core/run/metrics';
import type { Run } from '../core/run/run';
import { LinePlot, PlotFigure } from './Plot';
import { RamachandranPlot } from './Ramachandran';
import { bondRows, horizonRows, ramachandranRows, timeUnit } from './plotData';
import { unitLabel } from './format';
import { fmt } from './RunsPanel';
import { ordinal } from './sampler';
import { activeRun, appStore, resolvePick, runById, useApp } from './store';

type SortKey = 'label' | 'ade' | 'fde' | 'frames';

/** Runs the plots compare: the NFE comparison when there is one, else the A/B pair, else the run on screen. */
export function plottedRuns(active: Run | null, ab: (Run | null)[], comparison: Run[]): Run[] {
  if (comparison.length) return comparison;
  const pair = ab.filter((r): r is Run => r !== null);
  const out = pair.length ? pair : [];
  if (active && !out.includes(active)) out.unshift(active);
  return out;
}

export function MetricsPanel() {
  const scene = useApp((s) => s.scene);
  const run = useApp(activeRun);
  const abIds = useApp((s) => s.ab);
  const comparisonIds = useApp((s) => s.comparison?.runIds);
  const runs = useApp((s) => s.runs);
  const highlight = useApp((s) => s.highlight);
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'ade', dir: 1 });
  const st = appStore.getState();
  const metrics = useMemo(() => (run ? entityMetrics(run) : []), [run]);
  const summary = useMemo(() => (run ? runSummary(run, metrics) : null), [run, metrics]);
  const spread = useMemo(() => (run ? sampleSpread(run) : []), [run]);
  const bonds = useMemo(() => (run && scene ? bondDeviations(run, scene) : null), [run, scene]);
  const bondData = useMemo(() => (bonds ? bondRows(bonds) : null), [bonds]);
  const pick = useApp((s) => s.pick);
  const rama = useMemo(() => (run && scene ? ramachandranRows(scene, run, resolvePick(run, pick)) : null), [run, scene, pick]);
  const plotted = useMemo(
    () =>
      plottedRuns(
        run,
        abIds.map((id) => runById({ runs }, id)),
        (comparisonIds ?? []).map((id) => runById({ runs }, id)).filter((r): r is Run => r !== null),
      ),
    [run, abIds, comparisonIds, runs],
  );
  if (!scene || !run) return <p className="muted">Metrics appear after a run.</p>;
  const unit = unitLabel(run.lengthUnit);
  const tu = timeUnit(run);
  const label = (m: EntityMetric) => scene.entities[m.entity]?.label ?? String(m.entity);
  const sorted = [...metrics].sort((x, y) => {
    const v = sort.key === 'label' ? label(x).localeCompare(label(y), undefined, { numeric: true }) : x[sort.key] - y[sort.key];
    return v * sort.dir;
  });
  const head = (key: SortKey, text: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" data-testid={`sort-${key}`} onClick={() => setSort((s) => ({ key, dir: s.key === key ? (-s.dir as 1 | -1) : 1 }))}>
        {text}
      </button>
    </th>
  );
  const errRows = horizonRows(plotted, 'error');
  const spreadRows = horizonRows(plotted, 'spread');
  return (
    <div className="metrics-panel" data-testid="metrics-panel">
      <dl className="summary" data-testid="run-summary">
        <dt>run</dt>
        <dd>{run.label}</dd>
        <dt>minADE{run.K}</dt>
        <dd data-testid="summary-ade">{summary ? `${fmt(summary.ade)} ${unit}` : 'no ground truth after "now"'}</dd>
        <dt>minFDE{run.K}</dt>
        <dd data-testid="summary-fde">{summary ? `${fmt(summary.fde)} ${unit}` : '–'}</dd>
        {summary && (
          <>
            <dt>over</dt>
            <dd>
              {summary.entities} {summary.partial ? 'entities (partial ground truth)' : 'entities with ground truth over the whole horizon'}
            </dd>
          </>
        )}
        <dt>spread at the last frame</dt>
        <dd>{`${fmt(spread[spread.length - 1])} ${unit}`}</dd>
        {bonds && (
          <>
            <dt>bond length deviation</dt>
            <dd data-testid="bond-summary">{`mean |Δ| ${fmt(bonds.meanAbs)} ${unit}, RMS ${fmt(bonds.rms)} ${unit} over ${bonds.bonds.length} bonds`}</dd>
          </>
        )}
      </dl>
      {errRows.length > 0 && (
        <LinePlot testId="plot-error-horizon" label={`Error of the minADE sample against the horizon (${unit})`} rows={errRows} x="time" y="value" series="run" xLabel={`time after now (${tu})`} yLabel={`error (${unit})`} width={340} legend={plotted.length > 1} dots />
      )}
      <LinePlot testId="plot-spread" label={`Spread of the K samples per future frame (${unit})`} rows={spreadRows} x="time" y="value" series="run" xLabel={`time after now (${tu})`} yLabel={`RMS from the mean (${unit})`} width={340} legend={plotted.length > 1} />
      {bondData && (
        <PlotFigure
          testId="plot-bonds"
          label={`Bond-length deviations from the known frames (${unit})${bondData.stride > 1 ? `, every ${ordinal(bondData.stride)} of ${bondData.total}` : ''}`}
          deps={[bondData]}
          build={(Plot) => ({
            width: 340,
            height: 170,
            marginLeft: 44,
            x: { label: `sampled − known length (${unit})` },
            y: { label: 'count', grid: true },
            marks: [Plot.rectY(bondData.rows, { ...Plot.binX({ y: 'count' }, { x: 'deviation' }), fill: '#5aa9ff' }), Plot.ruleX([0], { stroke: '#ffffff' })],
          })}
        />
      )}
      {rama && <RamachandranPlot data={rama} />}
      {metrics.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Per-entity errors">
          <table className="data-table entity-table" data-testid="entity-table">
            <caption>Per entity (best of {run.K}); click a row to highlight it</caption>
            <thead>
              <tr>
                {head('label', 'entity')}
                {head('ade', `minADE (${unit})`)}
                {head('fde', `minFDE (${unit})`)}
                {head('frames', 'truth frames')}
              </tr>
            </thead>
            <tbody>
              {sorted.map((m) => (
                <tr
                  key={m.n}
                  tabIndex={0}
                  data-entity={m.entity}
                  aria-selected={highlight === m.entity}
                  className={highlight === m.entity ? 'selected' : undefined}
                  onClick={() => st.setHighlight(highlight === m.entity ? null : m.entity)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      st.setHighlight(highlight === m.entity ? null : m.entity);
                    }
                  }}
                >
                  <td>{label(m)}</td>
                  <td>{fmt(m.ade)}</td>
                  <td>{fmt(m.fde)}</td>
                  <td>
                    {m.frames}
                    {m.full ? '' : ` / ${run.horizon}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

