import { describe, expect, it } from 'vitest';
import { assignWindowIds, checkIdEdit, checkIdTable, manualFrom } from '../../../../src/core/run/ids';

const ents = [
  { sourceId: '3', label: 'ped 3' },
  { sourceId: '7', label: 'ped 7' },
  { sourceId: '12', label: 'ped 12' },
];

describe('window ID assignment', () => {
  it('sequential, seeded random (reproducible, injective) and by hand', () => {
    expect(assignWindowIds('sequential', ents, 5, { seed: 0 })).toEqual([0, 1, 2]);
    const a = assignWindowIds('random', ents, 96, { seed: 4 });
    expect(a).toEqual(assignWindowIds('random', ents, 96, { seed: 4 }));
    expect(new Set(a).size).toBe(3);
    expect(a).not.toEqual(assignWindowIds('random', ents, 96, { seed: 5 }));
    // entity 12 has no hand-made ID: it gets the smallest free one
    expect(assignWindowIds('manual', ents, 5, { seed: 0, manual: { '3': 0, '7': 4 } })).toEqual([0, 4, 1]);
  });

  it('refuses more entities than the pool with both numbers', () => {
    expect(() => assignWindowIds('manual', ents, 2, { seed: 0 })).toThrow(/3 entities but the model's ID pool holds 2/);
    expect(() => assignWindowIds('random', ents, 2, { seed: 0 })).toThrow(/holds 2/);
  });

  it('a hand edit that duplicates an ID is refused naming the other entity', () => {
    const r = checkIdEdit(ents, [0, 1, 2], 2, '1', 96);
    expect(r).toEqual({ ok: false, message: 'ID 1 is already used by ped 7' });
    expect(checkIdEdit(ents, [0, 1, 2], 2, '96', 96)).toEqual({ ok: false, message: 'ID 96 is outside the pool 0–95' });
    expect(checkIdEdit(ents, [0, 1, 2], 2, '-1', 96)).toMatchObject({ ok: false });
    expect(checkIdEdit(ents, [0, 1, 2], 2, 'x', 96)).toMatchObject({ ok: false, message: expect.stringContaining('not a whole number') });
    expect(checkIdEdit(ents, [0, 1, 2], 2, ' 40 ', 96)).toEqual({ ok: true, id: 40 });
    // its own current value is no clash
    expect(checkIdEdit(ents, [0, 1, 2], 1, '1', 96)).toEqual({ ok: true, id: 1 });
  });

  it('checks whole tables and keeps atom names readable', () => {
    const atoms = [
      { sourceId: '0', label: 'N', element: 'N' },
      { sourceId: '1', label: 'CA', element: 'C' },
    ];
    expect(checkIdTable(atoms, [2, 2], 4)).toEqual([{ row: 1, message: 'CA (id 1): ID 2 is already used by N (id 0)' }]);
    expect(manualFrom(ents, [5, 6, 7])).toEqual({ '3': 5, '7': 6, '12': 7 });
  });
});
