/**
 * CONTRACT.md counts window frames as consecutive entries of the sorted list of DISTINCT frame ids in the file
 * ("gaps in the ids are not special"). The scene readers fill id gaps with empty frames so the timeline has a
 * constant step; the sampler drops those again so windows match training and the Python evaluation.
 */
import type { Scene } from '../scene';

export interface CompactScene {
  scene: Scene;
  /** compact frame index -> original scene frame index */
  toOriginal: number[];
}

/** The scene without frames in which no entity is present (the same object when there are none). */
export function compactFrames(scene: Scene): CompactScene {
  const N = scene.entities.length;
  const keep: number[] = [];
  for (let f = 0; f < scene.frameCount; f++) {
    for (let i = 0; i < N; i++) {
      if (scene.mask[f * N + i]) {
        keep.push(f);
        break;
      }
    }
  }
  if (keep.length === scene.frameCount) return { scene, toOriginal: keep };
  const D = scene.dim;
  const positions = new Float32Array(keep.length * N * D);
  const mask = new Uint8Array(keep.length * N);
  keep.forEach((f, j) => {
    positions.set(scene.positions.subarray(f * N * D, (f + 1) * N * D), j * N * D);
    mask.set(scene.mask.subarray(f * N, (f + 1) * N), j * N);
  });
  return {
    scene: { ...scene, frameCount: keep.length, positions, mask, frameLabels: keep.map((f) => scene.frameLabels[f]) },
    toOriginal: keep,
  };
}

/** Compact index of the last non-empty frame at or before original frame `f` (-1 when there is none). */
export function compactIndexAtOrBefore(toOriginal: number[], f: number): number {
  let lo = 0;
  let hi = toOriginal.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (toOriginal[mid] <= f) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}
