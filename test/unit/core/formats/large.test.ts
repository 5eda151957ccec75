/**
 * A 30 MB ETH/UCY-style file (1M rows) must load completely. Only the test's timeout guards against a hang
 * (quadratic behaviour); how fast it parses is not asserted here (speed belongs in benchmarks).
 */
import { describe, expect, it } from 'vitest';
import { parseSceneFile } from '../../../../src/core/formats/index';

describe('large ETH/UCY file', () => {
  it('parses ~30 MB / 1M rows', { timeout: 120_000 }, () => {
    const frames = 2500;
    const peds = 400;
    const parts: string[] = [];
    let x = 0.123456789;
    for (let f = 0; f < frames; f++) {
      const frameText = `${f * 10}.0\t`;
      for (let p = 0; p < peds; p++) {
        x = (x * 9301 + 49297) % 233.280;
        parts.push(`${frameText}${p + 1}.0\t${(x - 116.64).toFixed(5)}\t${(x * 0.5 - 50).toFixed(5)}\n`);
      }
    }
    const text = parts.join('');
    parts.length = 0;
    expect(text.length).toBeGreaterThan(28_000_000);

    const scene = parseSceneFile('big.txt', text);

    expect(scene.frameCount).toBe(frames);
    expect(scene.entities.length).toBe(peds);
    expect(scene.positions.length).toBe(frames * peds * 2);
    let present = 0;
    for (const m of scene.mask) present += m;
    expect(present).toBe(frames * peds);
  });
});
