/**
 * The imperative three.js side of the main viewport: renderer, camera, orbit controls, lights and one view
 * cell (scene layer + run layer). React owns the DOM element and calls into this; nothing here knows about React.
 */
import { Color, DirectionalLight, HemisphereLight, PerspectiveCamera, Raycaster, Scene as ThreeScene, Spherical, Vector2, Vector3, WebGLRenderer } from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Scene } from '../../core/scene';
import { ViewCell, type CellView, type ViewState } from './cell';

export const BACKGROUND = 0x12161d;

export { createLayer } from './cell';
export type { CellView, ViewState } from './cell';

/** Lights shared by every view: a sky/ground fill and a key light riding on the camera. */
export function addLights(world: ThreeScene, camera: PerspectiveCamera): void {
  world.background = new Color(BACKGROUND);
  world.add(new HemisphereLight(0xe8eefc, 0x30343c, 1.6));
  // A light riding on the camera keeps the side you look at lit while orbiting.
  const key = new DirectionalLight(0xffffff, 1.8);
  key.position.set(0.6, 1, 1.2);
  camera.add(key);
  world.add(camera);
}

/**
 * A WebGL renderer on a canvas appended to `container`, with the app's lights on `world` and orbit controls on
 * `camera` that call `onChange` (the views redraw only when something changed).
 */
export function createView(container: HTMLElement, world: ThreeScene, camera: PerspectiveCamera, onChange: () => void): { renderer: WebGLRenderer; controls: OrbitControls } {
  // preserveDrawingBuffer lets screenshots, pixel checks and PNG export read the canvas after it was presented.
  const renderer = new WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
  renderer.setClearColor(BACKGROUND, 1);
  renderer.domElement.style.display = 'block';
  container.appendChild(renderer.domElement);
  addLights(world, camera);
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.enableDamping = true;
  controls.addEventListener('change', onChange);
  return { renderer, controls };
}

/** Frames a bounding sphere: from the side for 3-D, from above at an angle for ground-plane scenes. */
export function frameCamera(camera: PerspectiveCamera, controls: OrbitControls, radius: number, planar: boolean): void {
  const r = Math.max(radius, 1e-3);
  const fov = (camera.fov * Math.PI) / 180;
  // Fit the bounding sphere into the narrower of the two view angles.
  const halfAngle = Math.min(fov, 2 * Math.atan(Math.tan(fov / 2) * camera.aspect)) / 2;
  // A molecule's bounding sphere covers its whole trajectory, so it can be framed a bit tighter.
  const dist = (r / Math.sin(halfAngle)) * (planar ? 1.0 : 0.9);
  // Ground-plane scenes: looking down at about 60 degrees keeps both axes readable and shows height.
  const dir = planar ? new Vector3(0, 1.0, 0.55) : new Vector3(0.25, 0.2, 1);
  camera.position.copy(dir.normalize().multiplyScalar(dist));
  camera.near = dist / 1000;
  camera.far = dist * 20;
  camera.updateProjectionMatrix();
  controls.target.set(0, 0, 0);
  controls.update();
}

export class SceneRenderer {
  readonly renderer: WebGLRenderer;
  private readonly camera = new PerspectiveCamera(45, 1, 0.01, 1e5);
  private readonly world = new ThreeScene();
  private readonly controls: OrbitControls;
  private readonly resizeObserver: ResizeObserver;
  private readonly cell = new ViewCell(new Color(BACKGROUND));
  private readonly ray = new Raycaster();
  private dirty = true;
  private raf = 0;
  private disposed = false;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly container: HTMLElement) {
    ({ renderer: this.renderer, controls: this.controls } = createView(container, this.world, this.camera, () => {
      this.dirty = true;
    }));
    this.world.add(this.cell.group);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    this.resetCamera();
    this.loop();
  }

  private loop = (): void => {
    if (this.disposed) return;
    this.raf = requestAnimationFrame(this.loop);
    this.controls.update();
    if (this.dirty) {
      this.dirty = false;
      this.renderer.render(this.world, this.camera);
      for (const l of this.listeners) l();
    }
  };

  /** Called after every drawn frame (the hover readout follows moving entities). */
  onDraw(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h, true);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.cell.setViewportSize(w, h);
    this.dirty = true;
  }

  /** Shows the file alone (no run). */
  setScene(scene: Scene | null): void {
    this.setView({ base: scene, display: scene, run: null, sample: null });
  }

  /** What to draw: the file (fixes the mapping and the camera), the displayed trajectory and the run. */
  setView(v: CellView): void {
    if (this.cell.setView(v)) this.resetCamera();
    this.dirty = true;
  }

  setFrame(frame: number): void {
    this.cell.setFrame(frame);
    this.dirty = true;
  }

  setHighlight(entity: number | null): void {
    this.cell.setHighlight(entity);
    this.dirty = true;
  }

  resetCamera(): void {
    frameCamera(this.camera, this.controls, this.cell.radius, this.cell.planar);
    this.dirty = true;
  }

  /** Turns the camera around its target (the keyboard's orbit): azimuth and elevation steps in radians. */
  orbit(dAzimuth: number, dElevation: number): void {
    const offset = this.camera.position.clone().sub(this.controls.target);
    const sph = new Spherical().setFromVector3(offset);
    sph.theta += dAzimuth;
    // Stops short of the poles, where "up" would flip.
    sph.phi = Math.min(Math.PI - 0.05, Math.max(0.05, sph.phi - dElevation));
    offset.setFromSpherical(sph);
    this.camera.position.copy(this.controls.target).add(offset);
    this.camera.lookAt(this.controls.target);
    this.controls.update();
    this.dirty = true;
  }

  /** Moves camera and target sideways / up by fractions of the visible height at the target. */
  pan(dx: number, dy: number): void {
    const dist = this.camera.position.distanceTo(this.controls.target);
    const h = 2 * dist * Math.tan((this.camera.fov * Math.PI) / 360);
    this.camera.updateMatrix();
    const right = new Vector3().setFromMatrixColumn(this.camera.matrix, 0).multiplyScalar(dx * h);
    const up = new Vector3().setFromMatrixColumn(this.camera.matrix, 1).multiplyScalar(dy * h);
    const move = right.add(up);
    this.camera.position.add(move);
    this.controls.target.add(move);
    this.controls.update();
    this.dirty = true;
  }

  /** Moves the camera towards the target by `factor` (> 1 closer, < 1 farther). */
  zoom(factor: number): void {
    const offset = this.camera.position.clone().sub(this.controls.target);
    const len = offset.length();
    const next = Math.min(this.camera.far / 2, Math.max(this.camera.near * 2, len / factor));
    this.camera.position.copy(this.controls.target).add(offset.multiplyScalar(next / len));
    this.controls.update();
    this.dirty = true;
  }

  /** Camera position and orbit target (world), for tests. */
  cameraState(): { position: number[]; target: number[] } {
    return { position: this.camera.position.toArray(), target: this.controls.target.toArray() };
  }

  /** Scene entity under a point of the page (client coordinates), or null. */
  pickAt(clientX: number, clientY: number): number | null {
    const rect = this.renderer.domElement.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return null;
    const ndc = new Vector2(((clientX - rect.left) / rect.width) * 2 - 1, -((clientY - rect.top) / rect.height) * 2 + 1);
    this.ray.setFromCamera(ndc, this.camera);
    return this.cell.pick(this.ray);
  }

  /** Where scene entity `e` is drawn now, in client (page) coordinates; null when it is not drawn. */
  screenOf(e: number): { x: number; y: number } | null {
    const w = this.cell.worldOf(e);
    if (!w) return null;
    const p = new Vector3(...w).project(this.camera);
    const rect = this.renderer.domElement.getBoundingClientRect();
    return { x: rect.left + ((p.x + 1) / 2) * rect.width, y: rect.top + ((1 - p.y) / 2) * rect.height };
  }

  /** The view as a PNG at `scale` × the on-screen size (drawn once more at that size, then restored). */
  async snapshot(scale: number): Promise<Blob> {
    const r = this.renderer;
    const old = r.getPixelRatio();
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    r.setPixelRatio(scale);
    r.setSize(w, h, false);
    this.cell.setViewportSize(w * scale, h * scale);
    r.render(this.world, this.camera);
    const blob = await new Promise<Blob | null>((res) => r.domElement.toBlob(res, 'image/png'));
    r.setPixelRatio(old);
    r.setSize(w, h, true);
    this.cell.setViewportSize(w, h);
    this.dirty = true;
    if (!blob) throw new Error('the browser could not encode the view as PNG');
    return blob;
  }

  viewState(): ViewState {
    return this.cell.state();
  }

  drawnEntities(): number {
    return this.cell.drawnCount();
  }

  dispose(): void {
    this.disposed = true;
    cancelAnimationFrame(this.raf);
    this.resizeObserver.disconnect();
    this.controls.dispose();
    this.cell.dispose();
    this.listeners.clear();
    this.renderer.dispose();
    // Browsers cap live WebGL contexts (~16); release this one now rather than at garbage collection.
    this.renderer.forceContextLoss();
    this.renderer.domElement.remove();
  }
}
