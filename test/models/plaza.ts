/**
 * A synthetic crowd for the tile checks and scripts/tile-cost.ts: N walkers on straight lines at 1.0-1.6 m/s from
 * uniform random starts over a width x height plaza, F frames 0.4 s apart, ETH/UCY-style frame labels.
 */
import { mulberry32 } from '../../src/core/rng';
import type { Scene } from '../../src/core/scene';

export function plazaScene(o: { N: number; F: number; width: number; height: number; seed: number; name: string }): Scene {
  const { N, F } = o;
  const rand = mulberry32(o.seed);
  const positions = new Float32Array(F * N * 2);
  for (let n = 0; n < N; n++) {
    const x = rand() * o.width;
    const y = rand() * o.height;
    const a = rand() * 2 * Math.PI;
    const v = 1 + rand() * 0.6;
    for (let f = 0; f < F; f++) positions.set([x + Math.cos(a) * v * 0.4 * f, y + Math.sin(a) * v * 0.4 * f], (f * N + n) * 2);
  }
  return {
    name: o.name,
    kind: 'pedestrian',
    dim: 2,
    entities: Array.from({ length: N }, (_, n) => ({ sourceId: String(n + 1), label: `ped ${n + 1}` })),
    frameCount: F,
    positions,
    mask: new Uint8Array(F * N).fill(1),
    frameInterval: { value: 0.4, unit: 's' },
    frameLabels: Array.from({ length: F }, (_, f) => f * 10),
    lengthUnit: 'm',
  };
}
