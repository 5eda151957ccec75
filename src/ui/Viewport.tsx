import { useEffect, useRef, useState } from 'react';
import { mainView } from './display';
import { currentWindow } from './sampler';
import { activeRun, appStore, useApp } from './store';
import { ViewLegend } from './ViewLegend';
import { SceneRenderer } from './view/sceneRenderer';

/** Keyboard steps of the camera: orbit 15° / 10°, pan a tenth of the view, zoom by 1.25. */
const ORBIT_STEP = Math.PI / 12;
const TILT_STEP = Math.PI / 18;
const PAN_STEP = 0.1;
const ZOOM_STEP = 1.25;

/** Moves the camera for a key pressed while the view has focus; true when the key was one of the view's. */
export function viewKey(r: Pick<SceneRenderer, 'orbit' | 'pan' | 'zoom' | 'resetCamera'>, e: Pick<KeyboardEvent, 'key' | 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey'>): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  const arrows: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  const a = arrows[e.key];
  if (a) {
    if (e.shiftKey) r.pan(a[0] * PAN_STEP, a[1] * PAN_STEP);
    else r.orbit(-a[0] * ORBIT_STEP, a[1] * TILT_STEP);
    return true;
  }
  if (e.key === '+' || e.key === '=') r.zoom(ZOOM_STEP);
  else if (e.key === '-' || e.key === '_') r.zoom(1 / ZOOM_STEP);
  else if (e.key === 'r' || e.key === 'R') r.resetCamera();
  else return false;
  return true;
}

export interface ViewportProps {
  /** Hands the renderer to the parent (test hook, camera reset, PNG export); null on unmount. */
  onRenderer?: (r: SceneRenderer | null) => void;
}

interface Hover {
  x: number;
  y: number;
  entity: number;
}

/** The ID an entity has: in the run on screen, else in the assignment the next run would use. */
function idOf(entity: number): number | null {
  const s = appStore.getState();
  const run = activeRun(s);
  if (run) {
    const n = run.entities.indexOf(entity);
    return n >= 0 ? run.ids[n] : null;
  }
  const w = currentWindow(s);
  if (!w || 'error' in w || !w.ids) return null;
  const n = w.window.window.entities.indexOf(entity);
  return n >= 0 ? w.ids[n] : null;
}

export function Viewport({ onRenderer }: ViewportProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const rendererRef = useRef<SceneRenderer | null>(null);
  const scene = useApp((s) => s.scene);
  const [hover, setHover] = useState<Hover | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const r = new SceneRenderer(host);
    rendererRef.current = r;
    onRenderer?.(r);
    // The view follows the store directly (no React render per frame).
    let last = { view: mainView(appStore.getState()), frame: -1, highlight: null as number | null };
    r.setView(last.view);
    const push = () => {
      const s = appStore.getState();
      const view = mainView(s);
      const v = last.view;
      const changed = view.base !== v.base || view.display !== v.display || view.run !== v.run || view.sample !== v.sample;
      // Only real changes redraw: the store also changes for status and settings, and a redraw on software GL
      // costs tens of milliseconds.
      if (changed) r.setView(view);
      if (s.frame !== last.frame || changed) r.setFrame(s.frame);
      if (s.highlight !== last.highlight) r.setHighlight(s.highlight);
      last = { view: changed ? view : v, frame: s.frame, highlight: s.highlight };
    };
    push();
    const unsub = appStore.subscribe(push);
    return () => {
      unsub();
      onRenderer?.(null);
      r.dispose();
      rendererRef.current = null;
    };
    // The renderer lives as long as the component; onRenderer is a stable callback from the parent.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => setHover(null), [scene]);

  const onMove = (e: React.PointerEvent) => {
    const r = rendererRef.current;
    if (!r || !scene || e.buttons !== 0) return;
    const entity = r.pickAt(e.clientX, e.clientY);
    const rect = hostRef.current!.getBoundingClientRect();
    setHover(entity === null ? null : { x: e.clientX - rect.left, y: e.clientY - rect.top, entity });
  };

  const ent = hover && scene ? scene.entities[hover.entity] : null;
  const id = hover ? idOf(hover.entity) : null;
  const onKeyDown = (e: React.KeyboardEvent) => {
    const r = rendererRef.current;
    if (!r || !scene || e.target !== e.currentTarget) return;
    // Handled here, the page's own shortcuts (arrows step frames) leave the key alone.
    if (viewKey(r, e)) e.preventDefault();
  };

  return (
    <div
      className="viewport"
      data-testid="viewport"
      ref={hostRef}
      onPointerMove={onMove}
      onPointerLeave={() => setHover(null)}
      onKeyDown={onKeyDown}
      tabIndex={scene ? 0 : -1}
      role="application"
      aria-label="3-D view"
      aria-describedby="view-keys-help"
    >
      <p id="view-keys-help" className="visually-hidden">
        Arrow keys orbit the camera, Shift and the arrow keys pan, plus and minus zoom, R resets the camera. Space plays or pauses.
      </p>
      <ViewLegend />
      {!scene && (
        <div className="viewport-empty">
          <p>Drop a scene file anywhere on the page, use “Open file…”, or pick a demo.</p>
          <p className="muted">XYZ / extended XYZ, PDB (MODEL/ENDMDL), ETH/UCY text, CSV, JSON scene</p>
        </div>
      )}
      {hover && ent && (
        <div className="hover-readout" data-testid="hover-readout" data-entity={hover.entity} role="status" style={{ left: hover.x + 14, top: hover.y + 10 }}>
          <strong>{ent.label}</strong>
          <span>source id {ent.sourceId}</span>
          {ent.element && <span>element {ent.element}</span>}
          <span>ID {id ?? '–'}</span>
        </div>
      )}
    </div>
  );
}
