/**
 * The imperative three.js side of the viewport: renderer, camera, orbit controls, lights and the layer that
 * draws the current scene. React owns the DOM element and calls into this; nothing here knows about React.
 */
import {
  type Object3D,
  Color,
  DirectionalLight,
  HemisphereLight,
  PerspectiveCamera,
  Scene as ThreeScene,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Scene } from '../../core/scene';
import type { SceneLayer } from './layer';
import { MoleculeLayer } from './moleculeLayer';
import { buildFanObject, disposeObject, type SampleFan } from './fanLayer';
import { PlaneLayer } from './planeLayer';

export const BACKGROUND = 0x12161d;

export function createLayer(scene: Scene, background: Color): SceneLayer {
  return scene.dim === 2 ? new PlaneLayer(scene, background) : new MoleculeLayer(scene);
}

export class SceneRenderer {
  readonly renderer: WebGLRenderer;
  private readonly camera = new PerspectiveCamera(45, 1, 0.01, 1e5);
  private readonly world = new ThreeScene();
  private readonly controls: OrbitControls;
  private readonly resizeObserver: ResizeObserver;
  private layer: SceneLayer | null = null;
  private scene: Scene | null = null;
  /** Drawn on top of the layer in the same world coordinates (the Sample panel's fan of futures); owned here. */
  private overlay: Object3D | null = null;
  private frame = 0;
  private dirty = true;
  private raf = 0;
  private disposed = false;

  constructor(private readonly container: HTMLElement) {
    // preserveDrawingBuffer lets screenshots and pixel checks read the canvas after the frame was presented.
    this.renderer = new WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.setClearColor(BACKGROUND, 1);
    this.renderer.domElement.style.display = 'block';
    container.appendChild(this.renderer.domElement);

    this.world.background = new Color(BACKGROUND);
    this.world.add(new HemisphereLight(0xe8eefc, 0x30343c, 1.6));
    // A light riding on the camera keeps the side you look at lit while orbiting.
    const key = new DirectionalLight(0xffffff, 1.8);
    key.position.set(0.6, 1, 1.2);
    this.camera.add(key);
    this.world.add(this.camera);

    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.controls.addEventListener('change', () => {
      this.dirty = true;
    });

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
    }
  };

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h, true);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.layer?.setViewportSize?.(w, h);
    this.dirty = true;
  }

  setScene(scene: Scene | null): void {
    this.scene = scene;
    if (this.layer) {
      this.world.remove(this.layer.object);
      this.layer.dispose();
      this.layer = null;
    }
    if (scene) {
      this.layer = createLayer(scene, new Color(BACKGROUND));
      this.layer.setViewportSize?.(Math.max(1, this.container.clientWidth), Math.max(1, this.container.clientHeight));
      this.world.add(this.layer.object);
      this.frame = Math.min(this.frame, scene.frameCount - 1);
      this.layer.setFrame(this.frame);
    }
    this.resetCamera();
  }

  /** Draws a fan of sampled futures over the current scene (null removes it); returns what was drawn. */
  setFan(fan: SampleFan | null): { lines: number; truthLines: number } {
    if (this.overlay) {
      this.world.remove(this.overlay);
      disposeObject(this.overlay);
      this.overlay = null;
    }
    this.dirty = true;
    if (!fan || !this.scene) return { lines: 0, truthLines: 0 };
    const built = buildFanObject(this.scene, fan);
    this.overlay = built.object;
    this.world.add(built.object);
    return { lines: built.lines, truthLines: built.truthLines };
  }

  setFrame(frame: number): void {
    this.frame = frame;
    this.layer?.setFrame(frame);
    this.dirty = true;
  }

  /** Frames the whole scene: from the side for 3-D, from above at an angle for ground-plane scenes. */
  resetCamera(): void {
    const r = Math.max(this.layer?.radius ?? 10, 1e-3);
    const fov = (this.camera.fov * Math.PI) / 180;
    // Fit the bounding sphere into the narrower of the two view angles.
    const halfAngle = Math.min(fov, 2 * Math.atan(Math.tan(fov / 2) * this.camera.aspect)) / 2;
    const planar = this.layer?.planar ?? false;
    // A molecule's bounding sphere covers its whole trajectory, so it can be framed a bit tighter.
    const dist = (r / Math.sin(halfAngle)) * (planar ? 1.0 : 0.9);
    // Ground-plane scenes: looking down at about 60 degrees keeps both axes readable and shows height.
    const dir = planar ? new Vector3(0, 1.0, 0.55) : new Vector3(0.25, 0.2, 1);
    this.camera.position.copy(dir.normalize().multiplyScalar(dist));
    this.camera.near = dist / 1000;
    this.camera.far = dist * 20;
    this.camera.updateProjectionMatrix();
    this.controls.target.set(0, 0, 0);
    this.controls.update();
    this.dirty = true;
  }

  drawnEntities(): number {
    return this.layer?.drawnCount() ?? 0;
  }

  dispose(): void {
    this.disposed = true;
    cancelAnimationFrame(this.raf);
    this.resizeObserver.disconnect();
    this.controls.dispose();
    this.setScene(null);
    this.renderer.dispose();
    // Browsers cap live WebGL contexts (~16); release this one now rather than at garbage collection.
    this.renderer.forceContextLoss();
    this.renderer.domElement.remove();
  }
}
