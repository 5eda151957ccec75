/**
 * The runs of this scene: pick the one on screen (or the file alone), and compare any two A/B with their
 * metrics side by side (a re-roll of the IDs fills A and B by itself).
 */
import { runSummary } from '../core/run/metrics';
import type { Run } from '../core/run/run';
import { unitLabel } from './format';
import { activeRun, appStore, runById, useApp } from './store';

export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

function idsText(r: Run): string {
  const s = r.settings;
  return s.idMode === 'random' ? `random, seed ${s.idSeed}` : s.idMode === 'sequential' ? 'sequential' : 'by hand';
}

export function RunsPanel() {
  const runs = useApp((s) => s.runs);
  const active = useApp(activeRun);
  const ab = useApp((s) => s.ab);
  const st = appStore.getState();
  if (!runs.length) return <p className="muted">No runs yet: press Sample.</p>;
  const a = runById(st, ab[0]);
  const b = runById(st, ab[1]);
  const unit = unitLabel(runs[0].lengthUnit);
  return (
    <div className="runs-panel" data-testid="runs-panel">
      <ul className="run-list" aria-label="runs">
        {runs.map((r) => (
          <li key={r.id}>
            <button type="button" className={r.id === active?.id ? 'active' : undefined} aria-pressed={r.id === active?.id} data-testid={`run-${r.id}`} onClick={() => st.setActiveRun(r.id)}>
              {r.label}
            </button>
            <button type="button" className="icon" aria-label={`Delete ${r.label}`} onClick={() => st.removeRun(r.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="small" data-testid="show-file" disabled={!active} onClick={() => st.setActiveRun(null)}>
        Show the file
      </button>
      <div className="form-grid ab-pick">
        {([0, 1] as const).map((slot) => (
          <label key={slot} className="ab-row">
            <span>{slot === 0 ? 'A' : 'B'}</span>
            <select aria-label={`run ${slot === 0 ? 'A' : 'B'}`} data-testid={`ab-${slot === 0 ? 'a' : 'b'}`} value={ab[slot] ?? ''} onChange={(e) => st.setAB(slot, e.currentTarget.value === '' ? null : Number(e.currentTarget.value))}>
              <option value="">–</option>
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      {(a || b) && <AbTable a={a} b={b} unit={unit} />}
    </div>
  );
}

function AbTable({ a, b, unit }: { a: Run | null; b: Run | null; unit: string }) {
  const sa = a ? runSummary(a) : null;
  const sb = b ? runSummary(b) : null;
  const rows: [string, (r: Run) => string, (string | null)?][] = [
    ['NFE', (r) => String(r.settings.nfe)],
    ['solver', (r) => r.settings.solver],
    ['noise seed', (r) => String(r.settings.seed)],
    ['IDs', idsText],
    ['K', (r) => String(r.K)],
    ['ms', (r) => r.timing.ms.toFixed(0)],
  ];
  return (
    <table className="data-table" data-testid="ab-table">
      <caption>A/B</caption>
      <thead>
        <tr>
          <th scope="col" />
          <th scope="col">A {a ? `#${a.id}` : ''}</th>
          <th scope="col">B {b ? `#${b.id}` : ''}</th>
          <th scope="col">B − A</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, f]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{a ? f(a) : '–'}</td>
            <td>{b ? f(b) : '–'}</td>
            <td />
          </tr>
        ))}
        <tr data-testid="ab-ade">
          <th scope="row">minADE ({unit})</th>
          <td>{fmt(sa?.ade)}</td>
          <td>{fmt(sb?.ade)}</td>
          <td>{sa && sb ? fmt(sb.ade - sa.ade) : '–'}</td>
        </tr>
        <tr data-testid="ab-fde">
          <th scope="row">minFDE ({unit})</th>
          <td>{fmt(sa?.fde)}</td>
          <td>{fmt(sb?.fde)}</td>
          <td>{sa && sb ? fmt(sb.fde - sa.fde) : '–'}</td>
        </tr>
      </tbody>
    </table>
  );
}
