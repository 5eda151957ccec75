/**
 * A small read-only window hook for end-to-end tests: lets a test check what is drawn, which the DOM
 * alone cannot show (the canvas is opaque). No setters: tests drive the page like a user does.
 */
import type { ViewState } from './view/cell';

export interface LamslideTestHook {
  drawnEntities(): number;
  frame(): number;
  frameCount(): number;
  sceneName(): string | null;
  loading(): boolean;
  /** performance.now() when the latest scene arrived from the parser, before it was drawn; null before any. */
  sceneArrivedAt(): number | null;
  /** frames on the timeline (the file's, or a run's history + horizon) */
  timelineCount(): number;
  /** what the main view draws now (positions in scene coordinates, run layer counts) */
  view(): ViewState | null;
  /** where scene entity e is drawn now, in page coordinates */
  screenOf(e: number): { x: number; y: number } | null;
  /** the NFE comparison grid: each cell's state and the one camera's position */
  grid(): { cells: ViewState[]; camera: number[] } | null;
  /** the main view's camera position and orbit target (world) */
  camera(): { position: number[]; target: number[] } | null;
  /** present entities of the loaded scene's frame f: [sourceId, x, y(, z)] */
  sceneFrame(f: number): [string, ...number[]][] | null;
}

declare global {
  interface Window {
    __lamslide?: LamslideTestHook;
  }
}

export function installTestHook(hook: LamslideTestHook): () => void {
  window.__lamslide = Object.freeze({ ...hook });
  return () => {
    if (window.__lamslide) delete window.__lamslide;
  };
}
