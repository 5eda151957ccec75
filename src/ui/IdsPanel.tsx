/**
 * The IDs panel: every entity of the window the next run conditions on (source id or atom index, element,
 * assigned ID) and the pool size. Modes: sequential, seeded random (with a seed), by hand (edit a cell). A
 * duplicate or an ID outside the pool is refused in the cell, naming the clash; the assignment stays valid.
 */
import { useMemo, useState } from 'react';
import { checkIdEdit, manualFrom, type IdMode } from '../core/run/ids';
import { currentWindow } from './sampler';
import { activeRun, appStore, useApp } from './store';

const MODE_LABEL: Record<IdMode, string> = { sequential: 'sequential', random: 'seeded random', manual: 'by hand' };

export function IdsPanel() {
  const scene = useApp((s) => s.scene);
  const manifest = useApp((s) => s.manifest);
  const settings = useApp((s) => s.settings);
  const frame = useApp((s) => s.frame);
  const runs = useApp((s) => s.runs);
  const activeId = useApp((s) => s.activeRunId);
  const run = useApp(activeRun);
  const [drafts, setDrafts] = useState<Record<number, { text: string; error: string }>>({});
  // Recomputed only when what the window depends on changes (not on every store update).
  const prepared = useMemo(
    () => currentWindow(appStore.getState()),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [scene, manifest, frame, runs, activeId, settings.idMode, settings.idSeed, settings.manualIds],
  );
  const st = appStore.getState();
  if (!scene) return <p className="muted">Load a scene to see its entities and IDs.</p>;
  if (!manifest) return <p className="muted">The IDs appear when a model is loaded.</p>;
  if (!prepared) return <p className="muted">This model does not fit the scene.</p>;
  if ('error' in prepared) return <p className="error" data-testid="ids-error">{prepared.error}</p>;
  const { entities, ids, idError } = prepared;
  const P = manifest.id_pool;
  const runIds = run && run.now === prepared.window.nowFrame ? run : null;

  const setMode = (mode: IdMode) => {
    setDrafts({});
    if (mode === 'manual' && ids) st.updateSettings({ idMode: mode, manualIds: manualFrom(entities, ids, settings.manualIds) });
    else st.updateSettings({ idMode: mode });
  };

  const commit = (row: number, text: string) => {
    if (!ids) return;
    const r = checkIdEdit(entities, ids, row, text, P);
    if (!r.ok) {
      setDrafts((d) => ({ ...d, [row]: { text, error: r.message } }));
      return;
    }
    setDrafts((d) => {
      const { [row]: _drop, ...rest } = d;
      void _drop;
      return rest;
    });
    st.updateSettings({ manualIds: { ...settings.manualIds, [entities[row].sourceId]: r.id } });
  };

  const refused = Object.entries(drafts).filter(([, d]) => d.error);
  return (
    <div className="ids-panel" data-testid="ids-panel">
      <fieldset className="id-modes">
        <legend>assignment</legend>
        {(['sequential', 'random', 'manual'] as const).map((m) => (
          <label key={m}>
            <input type="radio" name="id-mode" value={m} data-testid={`id-mode-${m}`} checked={settings.idMode === m} onChange={() => setMode(m)} /> {MODE_LABEL[m]}
          </label>
        ))}
      </fieldset>
      {settings.idMode === 'random' && (
        <div className="form-grid">
          <label htmlFor="id-seed">ID seed</label>
          <input id="id-seed" data-testid="id-seed" type="number" value={settings.idSeed} onChange={(e) => st.updateSettings({ idSeed: Math.trunc(Number(e.currentTarget.value)) || 0 })} />
        </div>
      )}
      <p className="muted" data-testid="id-pool">
        pool: {P} IDs (0–{P - 1}) · {entities.length} {entities.length === 1 ? 'entity' : 'entities'} in the window at frame {prepared.window.nowFrame}
      </p>
      {prepared.tiled && (
        <p className="muted" data-testid="ids-tiled">
          {prepared.tiled.message}
        </p>
      )}
      {idError && (
        <p className="error" role="alert" data-testid="ids-error">
          {idError}
        </p>
      )}
      {refused.length > 0 && (
        <p className="error" role="alert" data-testid="id-refusal">
          Refused: {refused.map(([row, d]) => `${entities[Number(row)].label}: ${d.error}`).join('; ')}. The assignment in use is unchanged (Escape reverts the cell).
        </p>
      )}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="IDs of the window">
        <table className="data-table" data-testid="ids-table">
          <caption className="visually-hidden">Entities of the window and their model IDs</caption>
          <thead>
            <tr>
              <th scope="col">entity</th>
              <th scope="col">source id</th>
              {scene.dim === 3 || entities.some((e) => e.element) ? <th scope="col">element</th> : null}
              <th scope="col">ID</th>
              {runIds && <th scope="col">in run #{runIds.id}</th>}
            </tr>
          </thead>
          <tbody>
            {entities.map((e, row) => {
              const draft = drafts[row];
              const runN = runIds ? runIds.entities.indexOf(prepared.window.window.entities[row]) : -1;
              return (
                <tr key={e.sourceId} data-source-id={e.sourceId}>
                  <td>{e.label}</td>
                  <td>{e.sourceId}</td>
                  {scene.dim === 3 || entities.some((x) => x.element) ? <td>{e.element ?? '–'}</td> : null}
                  <td>
                    {settings.idMode === 'manual' ? (
                      <input
                        className="id-cell"
                        aria-label={`ID of ${e.label}`}
                        data-testid={`id-cell-${e.sourceId}`}
                        aria-invalid={draft ? true : undefined}
                        title={draft?.error}
                        value={draft?.text ?? String(ids?.[row] ?? '')}
                        onChange={(ev) => {
                          const text = ev.currentTarget.value;
                          setDrafts((d) => ({ ...d, [row]: { text, error: d[row]?.error ?? '' } }));
                        }}
                        onBlur={(ev) => {
                          if (drafts[row]) commit(row, ev.currentTarget.value);
                        }}
                        onKeyDown={(ev) => {
                          if (ev.key === 'Enter') commit(row, ev.currentTarget.value);
                          else if (ev.key === 'Escape') {
                            setDrafts((d) => {
                              const { [row]: _drop, ...rest } = d;
                              void _drop;
                              return rest;
                            });
                          }
                        }}
                      />
                    ) : (
                      <span data-testid={`id-${e.sourceId}`}>{ids?.[row] ?? '–'}</span>
                    )}
                    {draft?.error && (
                      <span className="cell-error" role="alert">
                        {draft.error}
                      </span>
                    )}
                  </td>
                  {runIds && <td>{runN >= 0 ? runIds.ids[runN] : '–'}</td>}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
