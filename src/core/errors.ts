/**
 * Errors raised while reading or writing scene files.
 * A reader either returns a complete Scene or throws a SceneParseError; callers rely on that to keep
 * half-loaded data off the screen, so every input problem must surface as this one class.
 */

export class SceneParseError extends Error {
  /** File name as the user gave it (no directory guessing). */
  readonly file: string;
  /** 1-based line of the problem; 0 when it is about the whole file (empty, too large, too many frames). */
  readonly line: number;
  /** What the reader wanted to see instead, phrased for a person: "4 columns: frame id x y". */
  readonly expected: string;
  /** The problem itself without the location prefix, so a UI can lay the parts out separately. */
  readonly reason: string;

  constructor(file: string, line: number, reason: string, expected: string) {
    super(`${file}:${line}: ${reason} (expected ${expected})`);
    this.name = 'SceneParseError';
    this.file = file;
    this.line = line;
    this.expected = expected;
    this.reason = reason;
  }
}

export function isSceneParseError(e: unknown): e is SceneParseError {
  // instanceof alone fails across bundles/realms (worker vs main thread copies of this module).
  return (
    e instanceof SceneParseError ||
    (typeof e === 'object' &&
      e !== null &&
      (e as { name?: unknown }).name === 'SceneParseError' &&
      typeof (e as { file?: unknown }).file === 'string' &&
      typeof (e as { line?: unknown }).line === 'number' &&
      typeof (e as { expected?: unknown }).expected === 'string')
  );
}

/** A scene that cannot be expressed in the requested output format (e.g. a 2-D crowd as PDB). */
export class SceneWriteError extends Error {
  readonly format: string;

  constructor(format: string, message: string) {
    super(`cannot write ${format}: ${message}`);
    this.name = 'SceneWriteError';
    this.format = format;
  }
}
