import { useEffect, useRef } from 'react';
import type { Scene } from '../core/scene';
import { SceneRenderer } from './view/sceneRenderer';

export interface ViewportProps {
  scene: Scene | null;
  frame: number;
  /** Hands the renderer to the parent (test hook, camera reset button); null on unmount. */
  onRenderer?: (r: SceneRenderer | null) => void;
}

export function Viewport({ scene, frame, onRenderer }: ViewportProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const rendererRef = useRef<SceneRenderer | null>(null);
  const frameRef = useRef(frame);
  frameRef.current = frame;

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const r = new SceneRenderer(host);
    rendererRef.current = r;
    onRenderer?.(r);
    return () => {
      onRenderer?.(null);
      r.dispose();
      rendererRef.current = null;
    };
    // The renderer lives as long as the component; onRenderer is a stable callback from the parent.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const r = rendererRef.current;
    if (!r) return;
    r.setScene(scene);
    if (scene) r.setFrame(Math.min(frameRef.current, scene.frameCount - 1));
  }, [scene]);

  useEffect(() => {
    const r = rendererRef.current;
    if (r && scene && frame < scene.frameCount) r.setFrame(frame);
  }, [frame, scene]);

  return (
    <div className="viewport" data-testid="viewport" ref={hostRef}>
      {!scene && (
        <div className="viewport-empty">
          <p>Drop a scene file anywhere on the page, use “Open file…”, or pick a demo.</p>
          <p className="muted">XYZ / extended XYZ, PDB (MODEL/ENDMDL), ETH/UCY text, CSV, JSON scene</p>
        </div>
      )}
    </div>
  );
}
