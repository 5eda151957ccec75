/**
 * The bar above the timeline while a run is on screen: which run, the sample picker (all K as a fan with
 * ghosts, one sample, or the best of K against the ground truth; `[` and `]` step through them), Export, and a
 * way back to the file alone.
 */
import { activeRun, appStore, bestOf, pickOrder, type SamplePick, useApp } from './store';
import { ExportDialog } from './ExportDialog';

export function pickLabel(p: SamplePick, best: number | null): string {
  if (p === 'all') return 'all samples (fan + ghosts)';
  if (p === 'best') return `best of K${best !== null ? ` (sample ${best})` : ''}`;
  return `sample ${p}`;
}

export function RunBar({ snapshot }: { snapshot: (scale: number) => Promise<Blob> }) {
  const run = useApp(activeRun);
  const pick = useApp((s) => s.pick);
  const scene = useApp((s) => s.scene);
  const st = appStore.getState();
  if (!scene) return null;
  const order = run ? pickOrder(run) : [];
  const best = run ? bestOf(run) : null;
  return (
    <div className="run-bar" data-testid="run-bar">
      {run ? (
        <>
          <span className="run-name" data-testid="run-name">
            {run.label}
          </span>
          <button type="button" aria-label="Previous sample" title="Previous sample ([)" data-testid="pick-prev" onClick={() => st.stepPick(-1)}>
            [
          </button>
          <select aria-label="sample" data-testid="sample-pick" value={String(pick)} onChange={(e) => st.setPick(e.currentTarget.value === 'all' || e.currentTarget.value === 'best' ? e.currentTarget.value : Number(e.currentTarget.value))}>
            {order.map((p) => (
              <option key={String(p)} value={String(p)}>
                {pickLabel(p, best)}
              </option>
            ))}
          </select>
          <button type="button" aria-label="Next sample" title="Next sample (])" data-testid="pick-next" onClick={() => st.stepPick(1)}>
            ]
          </button>
          {!run.hasTruth && <span className="muted">no ground truth after “now”</span>}
          {run.hasTruth && <span className="muted legend-truth">white: ground truth</span>}
          <button type="button" data-testid="show-file-bar" onClick={() => st.setActiveRun(null)}>
            Show the file
          </button>
        </>
      ) : (
        <span className="muted">the file ({scene.frameCount} frames)</span>
      )}
      <ExportDialog snapshot={snapshot} />
    </div>
  );
}
