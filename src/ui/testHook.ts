/**
 * A small read-only window hook for end-to-end tests: lets a test check what is drawn, which the DOM
 * alone cannot show (the canvas is opaque). No setters: tests drive the page like a user does.
 */
export interface LamslideTestHook {
  drawnEntities(): number;
  frame(): number;
  frameCount(): number;
  sceneName(): string | null;
  loading(): boolean;
  /** performance.now() when the latest scene arrived from the parser, before it was drawn; null before any. */
  sceneArrivedAt(): number | null;
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
