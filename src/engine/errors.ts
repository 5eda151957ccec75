/** Errors of model loading; `file` names the offending file so the UI and CLI can say which one. */

export type ModelLoadProblem = 'missing' | 'corrupt' | 'mismatch' | 'manifest' | 'session';

export class ModelLoadError extends Error {
  constructor(
    readonly problem: ModelLoadProblem,
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ModelLoadError';
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
