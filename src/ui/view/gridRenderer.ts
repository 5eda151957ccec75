/**
 * Small viewports side by side in one canvas (one WebGL context), sharing one camera and its orbit controls:
 * the NFE comparison. Each cell is a ViewCell with its own run; all follow the same timeline frame. Cells are
 * drawn left to right with scissor rectangles; the labels are the page's (HTML over the canvas).
 */
import { Color, PerspectiveCamera, Scene as ThreeScene, type WebGLRenderer } from 'three';
import type { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { ViewCell, type CellView, type ViewState } from './cell';
import { BACKGROUND, createView, frameCamera } from './sceneRenderer';

export class GridRenderer {
  readonly renderer: WebGLRenderer;
  private readonly camera = new PerspectiveCamera(45, 1, 0.01, 1e5);
  private readonly world = new ThreeScene();
  private readonly controls: OrbitControls;
  private readonly resizeObserver: ResizeObserver;
  private cells: ViewCell[] = [];
  private dirty = true;
  private raf = 0;
  private disposed = false;
  private framed = false;

  constructor(private readonly container: HTMLElement) {
    ({ renderer: this.renderer, controls: this.controls } = createView(container, this.world, this.camera, () => {
      this.dirty = true;
    }));
    this.renderer.setScissorTest(true);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    this.loop();
  }

  private cellSize(): [number, number] {
    const n = Math.max(1, this.cells.length);
    return [Math.max(1, this.container.clientWidth / n), Math.max(1, this.container.clientHeight)];
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h, true);
    const [cw, ch] = this.cellSize();
    this.camera.aspect = cw / ch;
    this.camera.updateProjectionMatrix();
    for (const c of this.cells) c.setViewportSize(cw, ch);
    this.dirty = true;
  }

  private loop = (): void => {
    if (this.disposed) return;
    this.raf = requestAnimationFrame(this.loop);
    this.controls.update();
    if (!this.dirty) return;
    this.dirty = false;
    const [cw, ch] = this.cellSize();
    this.renderer.setScissor(0, 0, this.container.clientWidth, ch);
    this.renderer.clear();
    this.cells.forEach((cell, i) => {
      for (const c of this.cells) c.group.visible = c === cell;
      // A 1-pixel gap between cells shows where one ends.
      this.renderer.setViewport(i * cw, 0, cw - 1, ch);
      this.renderer.setScissor(i * cw, 0, cw - 1, ch);
      this.renderer.render(this.world, this.camera);
    });
  };

  /** One cell per view, left to right. The camera is framed on the first cell once. */
  setViews(views: CellView[]): void {
    while (this.cells.length > views.length) {
      const c = this.cells.pop()!;
      this.world.remove(c.group);
      c.dispose();
    }
    while (this.cells.length < views.length) {
      const c = new ViewCell(new Color(BACKGROUND));
      this.cells.push(c);
      this.world.add(c.group);
    }
    let baseChanged = false;
    views.forEach((v, i) => {
      if (this.cells[i].setView(v)) baseChanged = true;
    });
    this.resize();
    if ((baseChanged || !this.framed) && this.cells.length) {
      frameCamera(this.camera, this.controls, this.cells[0].radius, this.cells[0].planar);
      this.framed = true;
    }
    this.dirty = true;
  }

  setFrame(frame: number): void {
    for (const c of this.cells) c.setFrame(frame);
    this.dirty = true;
  }

  setHighlight(entity: number | null): void {
    for (const c of this.cells) c.setHighlight(entity);
    this.dirty = true;
  }

  resetCamera(): void {
    if (this.cells.length) frameCamera(this.camera, this.controls, this.cells[0].radius, this.cells[0].planar);
    this.dirty = true;
  }

  /** Camera position (world), so tests can see the cells share one. */
  cameraPosition(): number[] {
    return this.camera.position.toArray();
  }

  cellStates(): ViewState[] {
    return this.cells.map((c) => c.state());
  }

  dispose(): void {
    this.disposed = true;
    cancelAnimationFrame(this.raf);
    this.resizeObserver.disconnect();
    this.controls.dispose();
    for (const c of this.cells) c.dispose();
    this.cells = [];
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.renderer.domElement.remove();
  }
}
