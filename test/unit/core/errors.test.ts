import { describe, expect, it } from 'vitest';
import { SceneParseError, SceneWriteError, isSceneParseError } from '../../../src/core/errors';

describe('SceneParseError', () => {
  it('carries file, line, expectation and a readable message', () => {
    const e = new SceneParseError('crowd.txt', 12, 'found 3 columns', '4 columns "frame id x y"');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SceneParseError');
    expect(e.file).toBe('crowd.txt');
    expect(e.line).toBe(12);
    expect(e.expected).toBe('4 columns "frame id x y"');
    expect(e.reason).toBe('found 3 columns');
    expect(e.message).toBe('crowd.txt:12: found 3 columns (expected 4 columns "frame id x y")');
  });

  it('isSceneParseError recognises instances and structured clones (worker messages), nothing else', () => {
    const e = new SceneParseError('a.pdb', 0, 'file is empty', 'ATOM records');
    expect(isSceneParseError(e)).toBe(true);
    const cloned = structuredClone({ name: e.name, message: e.message, file: e.file, line: e.line, expected: e.expected });
    expect(isSceneParseError(cloned)).toBe(true);
    expect(isSceneParseError(new Error('x'))).toBe(false);
    expect(isSceneParseError(null)).toBe(false);
    expect(isSceneParseError('SceneParseError')).toBe(false);
    expect(isSceneParseError(new SceneWriteError('PDB', 'no'))).toBe(false);
  });
});
