/**
 * Messages between the page and the scene-parsing worker. Parsing a large file blocks for seconds,
 * so it never runs on the main thread; the typed arrays of the result are transferred, not copied.
 */
import { isSceneParseError } from '../core/errors';
import type { Scene } from '../core/scene';

export interface ParseRequest {
  id: number;
  fileName: string;
  /** Raw file bytes; transferred to the worker, so the sender must not reuse the buffer. */
  bytes: ArrayBuffer;
}

/** A parse failure flattened to plain data: Error subclasses do not survive structured cloning intact. */
export interface ParseFailure {
  file: string;
  /** 1-based line; 0 when the problem concerns the whole file; undefined when not a parse error. */
  line?: number;
  expected?: string;
  reason: string;
}

export type ParseResponse =
  | { id: number; ok: true; scene: Scene; parseMs: number }
  | { id: number; ok: false; failure: ParseFailure };

/** Buffers of a scene to hand over with postMessage, each once (two views may share one buffer). */
export function sceneTransferables(scene: Scene): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const view of [scene.positions, scene.mask]) {
    if (view.buffer instanceof ArrayBuffer) seen.add(view.buffer);
  }
  return [...seen];
}

/** Any error of reading or parsing a file as a ParseFailure; SceneParseErrors keep their line and expectation. */
export function parseFailureOf(fileName: string, e: unknown): ParseFailure {
  if (isSceneParseError(e)) return { file: e.file, line: e.line, expected: e.expected, reason: e.reason ?? e.message };
  return { file: fileName, reason: e instanceof Error ? e.message : String(e) };
}
