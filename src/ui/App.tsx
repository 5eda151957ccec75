import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CompareDock, getGrid } from './ComparePanel';
import { ErrorBanner } from './ErrorBanner';
import { fetchDemoList, scenesUrl, type DemoEntry } from './demos';
import { ParseClient, readFileBytes, SceneLoadError } from './parseClient';
import type { ParseFailure } from './parseProtocol';
import { SceneInfo } from './SceneInfo';
import { sidePanels } from './sidePanels';
import { installTestHook } from './testHook';
import { RunBar } from './RunBar';
import { SamplerController } from './sampler';
import { appStore, timelineCount, useApp } from './store';
import { Timeline } from './Timeline';
import { usePlaybackClock } from './usePlayback';
import type { SceneRenderer } from './view/sceneRenderer';
import { Viewport } from './Viewport';

function toFailure(fileName: string, e: unknown): ParseFailure {
  if (e instanceof SceneLoadError) return e.failure;
  return { file: fileName, reason: e instanceof Error ? e.message : String(e) };
}

/** Keys the viewer handles must not also drive a focused form control (e.g. arrows on the slider). */
function typingTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  if (t instanceof HTMLInputElement) return !['range', 'checkbox', 'button', 'file'].includes(t.type);
  return false;
}

export function App() {
  const scene = useApp((s) => s.scene);
  const [parseMs, setParseMs] = useState<number | null>(null);
  const [loading, setLoading] = useState<string | null>(null);
  const [failure, setFailure] = useState<ParseFailure | null>(null);
  const [demos, setDemos] = useState<DemoEntry[]>([]);
  const [demoError, setDemoError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  usePlaybackClock();
  const controller = useMemo(() => new SamplerController(), []);
  useEffect(() => {
    void controller.start();
    return () => controller.stop();
  }, [controller]);
  // A new scene may need another model (3-D molecule vs 2-D crowd).
  useEffect(() => controller.chooseModelFor(scene), [controller, scene]);

  const client = useMemo(() => new ParseClient(), []);
  useEffect(() => () => client.dispose(), [client]);
  const loadToken = useRef(0);
  const rendererRef = useRef<SceneRenderer | null>(null);
  const arrivedAt = useRef<number | null>(null);
  const stateRef = useRef({ loading });
  stateRef.current = { loading };

  const load = useCallback(
    async (fileName: string, getBytes: () => Promise<ArrayBuffer>) => {
      // Only the latest request may replace the scene: a slow big file must not overwrite a later click.
      const token = ++loadToken.current;
      setLoading(fileName);
      try {
        const bytes = await getBytes();
        const parsed = await client.parse(fileName, bytes);
        if (token !== loadToken.current) return;
        arrivedAt.current = performance.now();
        appStore.getState().setScene(parsed.scene);
        setParseMs(parsed.parseMs);
        setFailure(null);
      } catch (e) {
        if (token !== loadToken.current) return;
        // The previous scene stays on screen: a bad file never replaces a good one.
        setFailure(toFailure(fileName, e));
      } finally {
        if (token === loadToken.current) setLoading(null);
      }
    },
    [client],
  );

  const openFile = useCallback((file: File) => void load(file.name, () => readFileBytes(file)), [load]);

  const openDemo = useCallback(
    (demo: DemoEntry) =>
      void load(demo.file, async () => {
        const res = await fetch(scenesUrl(demo.file));
        if (!res.ok) throw new Error(`could not download the demo (HTTP ${res.status})`);
        return res.arrayBuffer();
      }),
    [load],
  );

  useEffect(() => {
    fetchDemoList().then(setDemos, (e: unknown) => setDemoError(e instanceof Error ? e.message : String(e)));
  }, []);

  useEffect(
    () =>
      installTestHook({
        drawnEntities: () => rendererRef.current?.drawnEntities() ?? 0,
        frame: () => appStore.getState().frame,
        frameCount: () => appStore.getState().scene?.frameCount ?? 0,
        sceneName: () => appStore.getState().scene?.name ?? null,
        loading: () => stateRef.current.loading !== null,
        sceneArrivedAt: () => arrivedAt.current,
        timelineCount: () => timelineCount(appStore.getState()),
        view: () => rendererRef.current?.viewState() ?? null,
        screenOf: (e: number) => rendererRef.current?.screenOf(e) ?? null,
        camera: () => rendererRef.current?.cameraState() ?? null,
        grid: () => {
          const g = getGrid();
          return g ? { cells: g.cellStates(), camera: g.cameraPosition() } : null;
        },
        sceneFrame: (f: number) => {
          const sc = appStore.getState().scene;
          if (!sc || f < 0 || f >= sc.frameCount) return null;
          const N = sc.entities.length;
          const out: [string, ...number[]][] = [];
          for (let i = 0; i < N; i++) if (sc.mask[f * N + i]) out.push([sc.entities[i].sourceId, ...Array.from(sc.positions.subarray((f * N + i) * sc.dim, (f * N + i + 1) * sc.dim))]);
          return out;
        },
      }),
    [],
  );

  // Files can be dropped anywhere on the window, not only on the viewport.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const onLeave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files?.[0];
      if (file) openFile(file);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [openFile]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return;
      const st = appStore.getState();
      if (!st.scene) return;
      // Space and Enter keep their meaning on buttons and links (keyboard users press them).
      const onButton = e.target instanceof HTMLButtonElement || e.target instanceof HTMLAnchorElement || (e.target instanceof HTMLElement && e.target.getAttribute('role') === 'row');
      let handled = true;
      if ((e.key === ' ' || e.code === 'Space') && !onButton) st.togglePlay();
      else if (e.key === 'ArrowRight') st.step(1);
      else if (e.key === 'ArrowLeft') st.step(-1);
      else if (e.key === 'Home') st.setFrame(0);
      else if (e.key === 'End') st.setFrame(timelineCount(st) - 1);
      else if (e.key === ']') st.stepPick(1);
      else if (e.key === '[') st.stepPick(-1);
      else handled = false;
      // Stops the browser's own reaction too: page scroll, button "click" on space, double steps on the slider.
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onRenderer = useCallback((r: SceneRenderer | null) => {
    rendererRef.current = r;
  }, []);

  const fileInput = useRef<HTMLInputElement>(null);
  const drawn = useCallback(() => {
    const v = rendererRef.current?.viewState()?.run;
    return { lines: v?.lines ?? 0, truthLines: v?.truthLines ?? 0 };
  }, []);
  const snapshot = useCallback(async (scale: number) => {
    const r = rendererRef.current;
    if (!r) throw new Error('the view is not ready');
    return r.snapshot(scale);
  }, []);

  return (
    <div className={`app${sidePanels.length ? ' with-side' : ''}`}>
      <header className="topbar">
        <h1>
          LaM-SLidE <span className="muted">trajectory viewer</span>
        </h1>
        <button type="button" className="primary" onClick={() => fileInput.current?.click()} data-testid="open-file">
          Open file…
        </button>
        <input
          ref={fileInput}
          type="file"
          data-testid="file-input"
          aria-label="Open a scene file"
          tabIndex={-1}
          className="visually-hidden"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) openFile(f);
            // Reset so choosing the same file again still fires a change.
            e.currentTarget.value = '';
          }}
        />
        {loading && (
          <span className="loading" data-testid="loading" role="status">
            loading {loading}…
          </span>
        )}
      </header>

      {failure && <ErrorBanner failure={failure} keptScene={scene?.name ?? null} onDismiss={() => setFailure(null)} />}

      <aside className="sidebar" aria-label="Scenes and keys">
        <section>
          <h2>Demo scenes</h2>
          {demoError && <p className="muted">{demoError}</p>}
          <ul className="demo-list">
            {demos.map((d) => (
              <li key={d.name}>
                <button
                  type="button"
                  data-testid={`demo-${d.name}`}
                  className={scene?.name === d.file ? 'active' : undefined}
                  aria-pressed={scene?.name === d.file}
                  onClick={() => openDemo(d)}
                  title={d.file}
                >
                  <span className="demo-name">{d.name}</span>
                  <span className="demo-desc">{d.description}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section>
          <h2>Scene</h2>
          <SceneInfo scene={scene} parseMs={parseMs} />
          {scene && (
            <button type="button" className="small" onClick={() => rendererRef.current?.resetCamera()}>
              Reset camera
            </button>
          )}
        </section>
        <section>
          <h2>Keys</h2>
          <dl className="keys" data-testid="shortcuts">
            <dt>
              <kbd>Space</kbd>
            </dt>
            <dd>play / pause</dd>
            <dt>
              <kbd>←</kbd> <kbd>→</kbd>
            </dt>
            <dd>previous / next frame</dd>
            <dt>
              <kbd>Home</kbd> <kbd>End</kbd>
            </dt>
            <dd>first / last frame</dd>
            <dt>
              <kbd>[</kbd> <kbd>]</kbd>
            </dt>
            <dd>previous / next sample</dd>
            <dt>mouse</dt>
            <dd>drag: orbit · right-drag: pan · wheel: zoom</dd>
          </dl>
          <p className="keys-head">with the 3-D view focused (click it or Tab to it):</p>
          <dl className="keys" data-testid="view-shortcuts">
            <dt>
              <kbd>←</kbd> <kbd>→</kbd> <kbd>↑</kbd> <kbd>↓</kbd>
            </dt>
            <dd>orbit</dd>
            <dt>
              <kbd>Shift</kbd> + arrows
            </dt>
            <dd>pan</dd>
            <dt>
              <kbd>+</kbd> <kbd>−</kbd>
            </dt>
            <dd>zoom in / out</dd>
            <dt>
              <kbd>R</kbd>
            </dt>
            <dd>reset the camera</dd>
          </dl>
        </section>
      </aside>

      <main className="stage">
        <Viewport onRenderer={onRenderer} />
        <CompareDock />
        <RunBar snapshot={snapshot} />
        <Timeline />
      </main>

      {sidePanels.length > 0 && (
        <aside className="side-panel" data-testid="side-panel" aria-label="Sampler">
          {sidePanels.map((p) => (
            <details key={p.id} open={!p.closed} data-testid={`panel-${p.id}`}>
              <summary>
                <h2>{p.title}</h2>
              </summary>
              {p.render({ controller, drawn })}
            </details>
          ))}
        </aside>
      )}

      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay">
          Drop a scene file to open it
        </div>
      )}
    </div>
  );
}
