/** Shared by the in-process CLI tests. */
import { main } from '../../../src/cli/main';
import type { Scene } from '../../../src/core/scene';

/** Captures what main() writes; returns its exit code and both streams. */
export async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

/** O, H, H drifting on straight lines (constant velocity), F frames `dt` apart, lengths in `unit`. */
export function waterScene(F: number, dt: { value: number; unit: 'fs' | 'ps' }, unit = 'Å', scale = 1): Scene {
  const base = [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0];
  const positions = new Float32Array(F * 9);
  for (let f = 0; f < F; f++) for (let i = 0; i < 9; i++) positions[f * 9 + i] = (base[i] + 0.01 * f * (1 + (i % 3))) * scale;
  return {
    name: 'water',
    kind: 'molecule',
    dim: 3,
    entities: ['O', 'H', 'H'].map((e, i) => ({ sourceId: String(i), label: `${e}${i + 1}`, element: e })),
    frameCount: F,
    positions,
    mask: new Uint8Array(F * 3).fill(1),
    frameInterval: dt,
    frameLabels: Array.from({ length: F }, (_, f) => f),
    lengthUnit: unit,
  };
}

