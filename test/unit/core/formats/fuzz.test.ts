/**
 * Property-based robustness: whatever the input, every reader either returns a consistent Scene or throws a
 * SceneParseError. Anything else (TypeError, RangeError, a hang) is a bug.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSceneFile, parseSceneFileBytes, writeSceneFile, type SceneWriteFormat } from '../../../../src/core/formats/index';
import { readCsv } from '../../../../src/core/formats/csv';
import { readEthUcy } from '../../../../src/core/formats/ethucy';
import { readJsonScene } from '../../../../src/core/formats/json';
import { readPdb } from '../../../../src/core/formats/pdb';
import { readXyz } from '../../../../src/core/formats/xyz';
import type { Scene } from '../../../../src/core/scene';
import { FUZZ_RUNS, applyMutations, mutationArb, readOrParseError, sceneArb } from './helpers';

const READERS: Array<[string, (file: string, text: string) => Scene]> = [
  ['xyz', readXyz],
  ['pdb', readPdb],
  ['ethucy', readEthUcy],
  ['csv', readCsv],
  ['json', readJsonScene],
];

const EXTENSIONS = ['.xyz', '.pdb', '.txt', '.csv', '.json', '.unknown'];

/** Text made of tokens the readers care about, so random input gets past the first checks more often. */
const tokenSoup = fc
  .array(
    fc.constantFrom(
      '0', '1', '2', '-1', '3.5', '1e3', '1e999', 'NaN', 'Infinity', '0x1', '.', '-', 'e',
      ' ', '  ', '\t', '\n', '\r\n', '\r', ',', '"', '=', ':', '{', '}', '[', ']', 'null',
      'C', 'H', 'Cl', 'Xx', 'ATOM  ', 'HETATM', 'MODEL', 'ENDMDL', 'END', 'frame', 'id', 'x', 'y', 'z',
      'Properties=species:S:1:pos:R:3', 'Properties=', '"format"', '"lamslide-scene"', '#', '\ufeff', 'é',
      'charge', 'group', 'PLAYER', 'BALL', ':charge:I:1', 'kind=nbody', 'kind=basketball', '# lamslide ', 'frame_interval=0.1',
    ),
    { maxLength: 80 },
  )
  .map((t) => t.join(''));

const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 60, unit: 'binary' }), tokenSoup);

describe('readers never throw anything but SceneParseError', () => {
  for (const [name, read] of READERS) {
    it(`${name}: random text`, () => {
      fc.assert(
        fc.property(anyText, (text) => {
          readOrParseError(() => read('fuzz', text));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }

  it('parseSceneFile: random text under every extension', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom(...EXTENSIONS), (text, ext) => {
        readOrParseError(() => parseSceneFile(`fuzz${ext}`, text));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('parseSceneFileBytes: random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...EXTENSIONS), (bytes, ext) => {
        readOrParseError(() => parseSceneFileBytes(`fuzz${ext}`, bytes));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('mutated valid files give a Scene or a SceneParseError', () => {
  const cases: Array<[SceneWriteFormat, string, fc.Arbitrary<Scene>]> = [
    ['xyz', '.xyz', sceneArb({ dim: 3, molecule: true, maxN: 4, maxF: 3 })],
    ['pdb', '.pdb', sceneArb({ dim: 3, molecule: true, allPresent: true, maxN: 4, maxF: 3 })],
    ['ethucy', '.txt', sceneArb({ dim: 2, nonEmptyFrames: true, maxN: 4, maxF: 4 })],
    ['csv', '.csv', sceneArb({ nonEmptyFrames: true, maxN: 4, maxF: 4 })],
    ['json', '.json', sceneArb({ maxN: 3, maxF: 3 })],
    // The other domains' fields: charges (N-body CSV and extended XYZ), groups (SportVU text), both in JSON.
    ['csv', '.csv', sceneArb({ dim: 3, kind: 'nbody', charges: true, nonEmptyFrames: true, maxN: 4, maxF: 4 })],
    ['xyz', '.xyz', sceneArb({ dim: 3, kind: 'nbody', charges: true, maxN: 4, maxF: 3 })],
    ['ethucy', '.txt', sceneArb({ dim: 2, kind: 'basketball', groups: true, nonEmptyFrames: true, maxN: 4, maxF: 4 })],
    ['json', '.json', sceneArb({ charges: 'real', groups: true, kind: 'basketball', maxN: 3, maxF: 3 })],
  ];
  for (const [k, [format, ext, arb]] of cases.entries()) {
    it(`${format} (${k})`, () => {
      let parsed = 0;
      fc.assert(
        fc.property(arb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (scene, muts) => {
          const text = applyMutations(writeSceneFile(scene, format), muts);
          if (readOrParseError(() => parseSceneFile(`fuzz${ext}`, text)) === 'scene') parsed++;
        }),
        { numRuns: FUZZ_RUNS },
      );
      // Guards the test itself: some mutations (e.g. a duplicated comment) keep files valid.
      expect(parsed).toBeGreaterThan(0);
    });
  }
});
