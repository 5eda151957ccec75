/**
 * Export of the run on screen: CSV and ETH/UCY text (2-D), multi-frame XYZ and multi-MODEL PDB (3-D, with
 * elements), the project's JSON scene (lossless, with the run settings and IDs), and a PNG of the view at 1×
 * or 2×. Trajectories hold the history up to "now" and then the sampled horizon; the dialog chooses the sample
 * on screen, all samples in one file, or one file per sample. File names state model, NFE and seed.
 */
import { useRef, useState } from 'react';
import { buildExport, runFileName, type ExportFile, type ExportScope, type RunExportFormat } from '../core/run/export';
import type { Run } from '../core/run/run';
import type { Scene } from '../core/scene';
import { activeRun, resolvePick, useApp } from './store';

type Choice = RunExportFormat | 'png1' | 'png2';

const LABELS: Record<Choice, string> = {
  csv: 'CSV (frame,id,x,y…)',
  ethucy: 'ETH/UCY text',
  xyz: 'extended XYZ, multi-frame',
  pdb: 'PDB, one MODEL per frame',
  json: 'JSON scene (lossless, with run settings and IDs)',
  png1: 'PNG of the view, 1×',
  png2: 'PNG of the view, 2×',
};

/** Why a format cannot hold this run's scene (null: it can). */
export function formatProblem(format: RunExportFormat, scene: Scene): string | null {
  if (format === 'ethucy') {
    if (scene.dim !== 2) return 'ETH/UCY text is 2-D';
    if (scene.entities.some((e) => !Number.isFinite(Number(e.sourceId)) || e.sourceId.trim() === '')) return 'ETH/UCY needs numeric entity ids';
  }
  if ((format === 'xyz' || format === 'pdb') && scene.entities.some((e) => !e.element)) return `${format.toUpperCase()} needs an element for every entity`;
  return null;
}

export function download(name: string, data: Blob): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started from the URL; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportDialog({ snapshot }: { snapshot: (scale: number) => Promise<Blob> }) {
  const scene = useApp((s) => s.scene);
  const run = useApp(activeRun);
  const pick = useApp((s) => s.pick);
  const dialog = useRef<HTMLDialogElement>(null);
  const [format, setFormat] = useState<Choice>('json');
  const [scope, setScope] = useState<ExportScope>('selected');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const selected = run ? resolvePick(run, pick) : null;
  const effScope: ExportScope = scope === 'selected' && selected === null ? 'all-in-one' : scope;

  const open = () => {
    setError(null);
    setDone(null);
    if (run && scene) {
      const first = (['json', 'csv', 'ethucy', 'xyz', 'pdb'] as const).find((f) => !formatProblem(f, scene));
      if (format !== 'png1' && format !== 'png2' && formatProblem(format, scene) && first) setFormat(first);
    }
    setScope(selected === null ? 'all-in-one' : 'selected');
    dialog.current?.showModal();
  };

  const files = (): ExportFile[] => (scene && run && format !== 'png1' && format !== 'png2' ? buildExport(scene, run, format, effScope, selected ?? 0) : []);

  const save = async () => {
    setError(null);
    try {
      if (!scene) return;
      if (format === 'png1' || format === 'png2') {
        const scale = format === 'png1' ? 1 : 2;
        const name = pngName(scene, run, selected, scale);
        download(name, await snapshot(scale));
        setDone(`saved ${name}`);
        return;
      }
      const out = files();
      for (const f of out) download(f.name, new Blob([f.text], { type: 'text/plain' }));
      setDone(out.length === 1 ? `saved ${out[0].name}` : `saved ${out.length} files (${out[0].name} …)`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const isPng = format === 'png1' || format === 'png2';
  const preview = scene && run && !isPng ? runFileName(scene, run, effScope === 'all-in-one' ? 'all' : effScope === 'per-sample' ? 0 : (selected ?? 0), '') : null;
  return (
    <>
      <button type="button" data-testid="export-open" disabled={!scene} onClick={open} title={run ? 'Save the run on screen' : 'Save a PNG of the view'}>
        Export
      </button>
      <dialog ref={dialog} className="export-dialog" data-testid="export-dialog" aria-labelledby="export-title" onClose={() => setError(null)}>
        <form method="dialog" onSubmit={(e) => e.preventDefault()}>
          <h2 id="export-title">Export {run ? run.label : 'the view'}</h2>
          <fieldset>
            <legend>format</legend>
            {(Object.keys(LABELS) as Choice[]).map((c) => {
              const problem = c === 'png1' || c === 'png2' ? null : !run ? 'sample a run first' : scene ? formatProblem(c, scene) : 'no scene';
              return (
                <label key={c} className={problem ? 'disabled' : undefined} title={problem ?? undefined}>
                  <input type="radio" name="export-format" value={c} data-testid={`export-format-${c}`} checked={format === c} disabled={problem !== null} onChange={() => setFormat(c)} /> {LABELS[c]}
                  {problem && <span className="muted"> — {problem}</span>}
                </label>
              );
            })}
          </fieldset>
          {!isPng && run && (
            <fieldset>
              <legend>samples</legend>
              <label title={selected === null ? 'the fan is on screen: pick one sample first' : undefined}>
                <input type="radio" name="export-scope" data-testid="export-scope-selected" checked={effScope === 'selected'} disabled={selected === null} onChange={() => setScope('selected')} /> the sample on screen{selected !== null ? ` (sample ${selected})` : ''}
              </label>
              <label>
                <input type="radio" name="export-scope" data-testid="export-scope-all-in-one" checked={effScope === 'all-in-one'} onChange={() => setScope('all-in-one')} /> all {run.K} samples in one file (one horizon after another)
              </label>
              <label>
                <input type="radio" name="export-scope" data-testid="export-scope-per-sample" checked={effScope === 'per-sample'} onChange={() => setScope('per-sample')} /> one file per sample ({run.K} files)
              </label>
            </fieldset>
          )}
          {preview && <p className="muted">file: {preview}…</p>}
          {error && (
            <p className="error" role="alert" data-testid="export-error">
              {error}
            </p>
          )}
          {done && (
            <p className="muted" role="status" data-testid="export-done">
              {done}
            </p>
          )}
          <div className="actions">
            <button type="button" className="primary" data-testid="export-save" onClick={() => void save()}>
              Download
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

function pngName(scene: Scene, run: Run | null, sample: number | null, scale: number): string {
  const base = run ? runFileName(scene, run, sample ?? 'all', '') : scene.name.replace(/\.[A-Za-z0-9]+$/, '');
  return `${base}_${scale}x.png`;
}
