/**
 * The scene model shared by every part of the app: N entities over F frames in D = 2 or 3 dimensions.
 * Pure data, no DOM: readers build it, the view draws it, the sampler conditions on it.
 */

export type Dim = 2 | 3;

/** What kind of system a scene holds; decides how it is drawn and which models fit it. */
export type SceneKind = 'pedestrian' | 'molecule' | 'nbody' | 'basketball' | 'generic';

/** 'sim': dimensionless simulation time (N-body); 'frame': no interval stated, time counts frames. */
export type TimeUnit = 's' | 'ms' | 'fs' | 'ps' | 'ns' | 'sim' | 'frame';

export interface FrameInterval {
  value: number;
  unit: TimeUnit;
}

/** One traceable entity: its identity in the source file never changes, whatever ID the model gives it. */
export interface Entity {
  /** Stable identity from the source file: pedestrian id ("12"), or atom index ("0", "1", ...). Unique per scene. */
  sourceId: string;
  /** Human-readable label: "ped 12", "C3", "CA ALA 2". */
  label: string;
  /** Chemical element symbol (capitalised, e.g. "C", "Cl") for atoms; undefined for agents. */
  element?: string;
  /** Electric charge in elementary units (charged N-body particles). */
  charge?: number;
  /** Role of the entity in its scene, e.g. "PLAYER" or "BALL" (basketball). */
  group?: string;
}

export interface Scene {
  /** Display name, usually the file name. */
  name: string;
  kind: SceneKind;
  dim: Dim;
  entities: Entity[];
  /** Number of frames F (>= 1). */
  frameCount: number;
  /** Frame-major positions: index ((f * N) + i) * D + d. Absent entries are 0 and masked out. */
  positions: Float32Array;
  /** Presence: mask[f * N + i] = 1 when entity i is present in frame f. */
  mask: Uint8Array;
  frameInterval: FrameInterval;
  /** Source frame numbers (e.g. ETH/UCY frame ids), length F, increasing. */
  frameLabels: number[];
  /** Unit of the coordinates ("m", "Å", "nm", "ft", or "sim" for dimensionless simulation units). */
  lengthUnit: string;
}
