import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPath, lineOfPath, readJsonScene, writeJsonScene } from '../../../../src/core/formats/json';
import { expectParseError, expectSameScene, makeScene, sceneArb } from './helpers';

const F = 'scene.json';

const scene = makeScene({
  dim: 2,
  kind: 'pedestrian',
  name: 'demo',
  entities: [{ sourceId: '1', label: 'ped 1' }, { sourceId: '2', label: 'ped 2' }],
  frames: [[[0.5, 1], null], [[1, 1.5], [3, -2]]],
  frameLabels: [780, 790],
  frameInterval: { value: 0.4, unit: 's' },
});

/** A valid document as an object, to be broken one field at a time. */
function doc(): Record<string, unknown> {
  return JSON.parse(writeJsonScene(scene)) as Record<string, unknown>;
}

describe('JSON scene format', () => {
  it('writes a readable document, one frame per line, and reads it back exactly', () => {
    const text = writeJsonScene(scene);
    expect(text).toContain('"format": "lamslide-scene"');
    expect(text).toContain('\n    [[0.5,1],null],\n');
    const back = readJsonScene(F, text);
    expectSameScene(back, scene, { tol: 0, entityLabels: true });
    expect(back.name).toBe('demo');
    expect(back.kind).toBe('pedestrian');
    expect(back.frameInterval).toEqual({ value: 0.4, unit: 's' });
    expect(back.lengthUnit).toBe('m');
  });

  it('round-trips random scenes with every field', () => {
    fc.assert(
      fc.property(sceneArb(), fc.boolean(), fc.string({ maxLength: 12 }), (s0, molecule, name) => {
        const s = molecule
          ? { ...s0, name, entities: s0.entities.map((e, i) => ({ ...e, element: i % 2 ? 'O' : 'Fe' })) }
          : { ...s0, name };
        const back = readJsonScene(F, writeJsonScene(s));
        expectSameScene(back, s, { tol: 0, entityLabels: true });
        expect(back.name).toBe(name);
        expect(back.kind).toBe(s.kind);
      }),
      { numRuns: 100 },
    );
  });

  it('accepts a free-form meta field', () => {
    const d = doc();
    d.meta = { anything: [1, 2] };
    expect(readJsonScene(F, JSON.stringify(d)).frameCount).toBe(2);
  });

  describe('errors name the path and the line of the bad value', () => {
    const cases: Array<[string, (d: Record<string, unknown>) => void, RegExp]> = [
      ['wrong format tag', (d) => (d.format = 'other'), /format: is "other"/],
      ['wrong version', (d) => (d.version = 2), /version: is 2/],
      ['unknown top-level key', (d) => (d.extra = 1), /extra: unknown key/],
      ['bad kind', (d) => (d.kind = 'fish'), /kind: is "fish"/],
      ['bad dim', (d) => (d.dim = 4), /dim: is 4/],
      ['missing name', (d) => delete d.name, /name: is missing/],
      ['bad interval', (d) => ((d.frameInterval as Record<string, unknown>).value = -1), /frameInterval\.value: is -1/],
      ['bad time unit', (d) => ((d.frameInterval as Record<string, unknown>).unit = 'h'), /frameInterval\.unit/],
      ['empty entities', (d) => (d.entities = []), /entities: is an array of 0/],
      ['duplicate sourceId', (d) => ((d.entities as Array<Record<string, unknown>>)[1].sourceId = '1'), /entities\[1\]\.sourceId: "1" is also the id of entity 0/],
      ['unknown element', (d) => ((d.entities as Array<Record<string, unknown>>)[0].element = 'Qq'), /entities\[0\]\.element: unknown element/],
      ['labels length', (d) => (d.frameLabels = [1]), /frameLabels: is an array of 1/],
      ['labels not increasing', (d) => (d.frameLabels = [5, 5]), /frameLabels\[1\]: 5 does not increase/],
      ['frame wrong length', (d) => ((d.frames as unknown[][])[1] = [null]), /frames\[1\]: is an array of 1/],
      ['position wrong length', (d) => ((d.frames as unknown[][])[1][0] = [1, 2, 3]), /frames\[1\]\[0\]: is an array of 3/],
      ['position not a number', (d) => ((d.frames as unknown[][][])[1][1][1] = '2'), /frames\[1\]\[1\]\[1\]: is "2"/],
      ['position out of float32 range', (d) => ((d.frames as unknown[][][])[1][1][0] = 1e300), /frames\[1\]\[1\]\[0\]/],
    ];
    for (const [what, edit, pattern] of cases) {
      it(what, () => {
        const d = doc();
        edit(d);
        // Pretty-printed with 2 spaces: the path's line is known, so the error must point exactly at it.
        const text = JSON.stringify(d, null, 2);
        let err: unknown;
        try {
          readJsonScene(F, text);
        } catch (e) {
          err = e;
        }
        expect(err).toBeDefined();
        const e = err as { line: number; message: string };
        expect(e.message).toMatch(pattern);
        expect(e.line).toBeGreaterThan(0);
        const path = /^scene\.json:\d+: ([^:]+):/.exec(e.message)![1];
        // The reported line holds the key or value the path names.
        const lastKey = /([A-Za-z]+)$/.exec(path)?.[1];
        const lineText = text.split('\n')[e.line - 1];
        if (lastKey && !path.endsWith(']') && !/missing/.test(e.message)) expect(lineText).toContain(`"${lastKey}"`);
      });
    }

    it('points at the line of an array element', () => {
      const text = writeJsonScene(scene).replace('[[1,1.5],[3,-2]]', '[[1,1.5],[3,"x"]]');
      expectParseError(() => readJsonScene(F, text), text.split('\n').findIndex((l) => l.includes('"x"')) + 1, /frames\[1\]\[1\]\[1\]/);
    });

    it('syntax errors, empty text, non-object top level, Infinity literals', () => {
      expectParseError(() => readJsonScene(F, '{\n  "format": "lamslide-scene",\n  oops\n}'), 3, /invalid JSON/);
      expectParseError(() => readJsonScene(F, ''), 1, /invalid JSON/);
      expectParseError(() => readJsonScene(F, '[1, 2]'), 1, /top level is not an object/);
      const text = writeJsonScene(scene).replace('[3,-2]', '[3,Infinity]');
      expect(() => readJsonScene(F, text)).toThrow(/invalid JSON/);
    });

    it('scene size limit', { timeout: 60_000 }, () => {
      const d = doc();
      d.entities = Array.from({ length: 30000 }, (_, i) => ({ sourceId: String(i), label: '' }));
      d.frameLabels = Array.from({ length: 1000 }, (_, i) => i);
      d.frames = Array.from({ length: 1000 }, () => []);
      // Frames that do not hold N entries are caught before any dense allocation.
      expectParseError(() => readJsonScene(F, JSON.stringify(d)), 1, /frames\[0\]: is an array of 0/);
      d.frames = Array.from({ length: 1000 }, () => new Array(30000).fill(null));
      expectParseError(() => readJsonScene(F, JSON.stringify(d)), 0, /too large/);
    });
  });

  it('formats and locates paths', () => {
    expect(formatPath(['frames', 3, 7, 1])).toBe('frames[3][7][1]');
    expect(formatPath([])).toBe('(top level)');
    const text = '{\n "a": [\n  1,\n  {"b": "}\\"]"},\n  3\n ],\n "c": 1\n}';
    expect(lineOfPath(text, ['a', 2])).toBe(5);
    expect(lineOfPath(text, ['a', 1, 'b'])).toBe(4);
    expect(lineOfPath(text, ['c'])).toBe(7);
    expect(lineOfPath(text, ['a', 9])).toBe(0);
    expect(lineOfPath(text, ['zz'])).toBe(1);
  });
});

describe('JSON scenes of every kind', () => {
  it('carries charge and group, and kinds nbody and basketball', () => {
    fc.assert(
      fc.property(sceneArb({ charges: 'real', groups: true }), fc.constantFrom('nbody' as const, 'basketball' as const), (s0, kind) => {
        const s = { ...s0, kind, frameInterval: { value: 0.1, unit: 'sim' as const } };
        const back = readJsonScene(F, writeJsonScene(s));
        expectSameScene(back, s, { tol: 0, entityLabels: true });
        expect(back.kind).toBe(kind);
        expect(back.frameInterval).toEqual(s.frameInterval);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a charge that is not a finite number and an empty group', () => {
    const d = doc();
    (d.entities as Array<Record<string, unknown>>)[1].charge = '+1';
    expectParseError(() => readJsonScene(F, JSON.stringify(d)), 1, /entities\[1\]\.charge: is "\+1"/);
    const g = doc();
    (g.entities as Array<Record<string, unknown>>)[0].group = '';
    expectParseError(() => readJsonScene(F, JSON.stringify(g)), 1, /entities\[0\]\.group/);
  });
});
