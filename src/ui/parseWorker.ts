/// <reference lib="webworker" />
/**
 * Web Worker that turns file bytes into a Scene off the main thread, so the page keeps
 * animating while a 30 MB trajectory is read.
 */
import { parseSceneFileBytes } from '../core/formats/index';
import { isSceneParseError } from '../core/errors';
import type { ParseFailure, ParseRequest, ParseResponse } from './parseProtocol';
import { sceneTransferables } from './parseProtocol';

const ctx = self as unknown as DedicatedWorkerGlobalScope;

function toFailure(fileName: string, e: unknown): ParseFailure {
  if (isSceneParseError(e)) {
    return { file: e.file, line: e.line, expected: e.expected, reason: e.reason ?? e.message };
  }
  const reason = e instanceof Error ? e.message : String(e);
  return { file: fileName, reason };
}

ctx.onmessage = (event: MessageEvent<ParseRequest>) => {
  const { id, fileName, bytes } = event.data;
  const t0 = performance.now();
  let response: ParseResponse;
  try {
    const scene = parseSceneFileBytes(fileName, new Uint8Array(bytes));
    response = { id, ok: true, scene, parseMs: performance.now() - t0 };
    ctx.postMessage(response, sceneTransferables(scene));
    return;
  } catch (e) {
    response = { id, ok: false, failure: toFailure(fileName, e) };
  }
  ctx.postMessage(response);
};
