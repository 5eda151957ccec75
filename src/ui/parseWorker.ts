/// <reference lib="webworker" />
/**
 * Web Worker that turns file bytes into a Scene off the main thread, so the page keeps
 * animating while a 30 MB trajectory is read.
 */
import { parseSceneFileBytes } from '../core/formats/index';
import type { ParseRequest, ParseResponse } from './parseProtocol';
import { parseFailureOf, sceneTransferables } from './parseProtocol';

const ctx = self as unknown as DedicatedWorkerGlobalScope;

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
    response = { id, ok: false, failure: parseFailureOf(fileName, e) };
  }
  ctx.postMessage(response);
};
