import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  IdAssignmentError,
  assignSeededRandom,
  assignSequential,
  assignUserGiven,
  capacityMessage,
  checkCapacity,
  idsToInt32,
  validateAssignment,
} from '../../../src/core/ids';

const injectiveInPool = (ids: number[], p: number) => {
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) {
    expect(Number.isInteger(id)).toBe(true);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(id).toBeLessThan(p);
  }
};

describe('ID assignment', () => {
  it('sequential: 0..n-1, accepts a pool object or a size', () => {
    expect(assignSequential(4, 10)).toEqual([0, 1, 2, 3]);
    expect(assignSequential(3, { size: 3 })).toEqual([0, 1, 2]);
    expect(assignSequential(0, 5)).toEqual([]);
  });

  it('seeded random: injective, inside the pool, for every n <= P', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.integer(), (p, nRaw, seed) => {
        const n = nRaw % (p + 1);
        const ids = assignSeededRandom(n, p, seed);
        expect(ids.length).toBe(n);
        injectiveInPool(ids, p);
        expect(validateAssignment(ids, p).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('seeded random: same seed, same IDs; different seeds differ', () => {
    expect(assignSeededRandom(50, 96, 7)).toEqual(assignSeededRandom(50, 96, 7));
    expect(assignSeededRandom(50, 96, 7)).not.toEqual(assignSeededRandom(50, 96, 8));
    // n = P is a permutation of the pool.
    expect([...assignSeededRandom(96, 96, 1)].sort((a, b) => a - b)).toEqual(assignSequential(96, 96));
  });

  it('seeded random: every pool slot gets used over many seeds (not stuck in a corner of the pool)', () => {
    const counts = new Array(20).fill(0);
    for (let seed = 0; seed < 2000; seed++) for (const id of assignSeededRandom(3, 20, seed)) counts[id]++;
    // 6000 draws over 20 slots: 300 expected per slot.
    for (const c of counts) expect(c).toBeGreaterThan(200);
  });

  it('refuses scenes larger than the pool with both numbers in the message', () => {
    for (const assign of [() => assignSequential(120, 96), () => assignSeededRandom(120, { size: 96 }, 0), () => checkCapacity(120, 96)]) {
      expect(assign).toThrow(IdAssignmentError);
      expect(assign).toThrow("scene has 120 entities but the model's ID pool holds 96");
    }
    try {
      assignSequential(120, 96);
    } catch (e) {
      expect((e as IdAssignmentError).entityCount).toBe(120);
      expect((e as IdAssignmentError).poolSize).toBe(96);
    }
    expect(capacityMessage(5, 4)).toBe("scene has 5 entities but the model's ID pool holds 4");
    expect(() => assignSequential(3, 0)).toThrow(/pool size 0/);
    expect(() => assignSequential(-1, 3)).toThrow(IdAssignmentError);
  });

  it('user-given: accepted when valid, copied, refused with every problem listed', () => {
    const given = [5, 0, 3];
    const ids = assignUserGiven(given, 8);
    expect(ids).toEqual([5, 0, 3]);
    given[0] = 99;
    expect(ids[0]).toBe(5);

    const check = validateAssignment([1, 1.5, 8, -1, 1, 2], 8);
    expect(check.ok).toBe(false);
    expect(check.problems.map((p) => [p.kind, p.index])).toEqual([
      ['not-integer', 1],
      ['out-of-pool', 2],
      ['out-of-pool', 3],
      ['duplicate', 4],
    ]);
    expect(check.problems[3].message).toBe('entity 4: ID 1 is already used by entity 0');
    expect(() => assignUserGiven([1, 1], 8)).toThrow(/already used/);
    expect(validateAssignment([0, 1, 2], 2).problems[0].kind).toBe('too-many');
    expect(validateAssignment([NaN], 2).problems[0].kind).toBe('not-integer');
    expect(validateAssignment([], 2)).toEqual({ ok: true, problems: [] });
  });

  it('idsToInt32 gives the int32 layout the ONNX graphs take', () => {
    const a = idsToInt32([3, 1, 2]);
    expect(a).toBeInstanceOf(Int32Array);
    expect(Array.from(a)).toEqual([3, 1, 2]);
  });
});
