/**
 * Promise front for the parse worker. One worker serves every request; replies are matched by id,
 * so a slow big file and a quick demo click cannot swap their results.
 */
import { MAX_SCENE_BYTES, checkFileSize } from '../core/formats/common';
import type { Scene } from '../core/scene';
import { parseFailureOf, type ParseFailure, type ParseRequest, type ParseResponse } from './parseProtocol';

export class SceneLoadError extends Error {
  readonly failure: ParseFailure;

  constructor(failure: ParseFailure) {
    super(failure.line !== undefined ? `${failure.file}:${failure.line}: ${failure.reason}` : `${failure.file}: ${failure.reason}`);
    this.name = 'SceneLoadError';
    this.failure = failure;
  }
}

/**
 * The bytes of a file the user chose or dropped, refused by its size before any of it is read (File.size is
 * known without reading): a 3 GB file is "too large" at once instead of an out-of-memory failure later.
 */
export async function readFileBytes(file: Pick<File, 'name' | 'size' | 'arrayBuffer'>, maxBytes = MAX_SCENE_BYTES): Promise<ArrayBuffer> {
  try {
    checkFileSize(file.name, file.size, maxBytes);
  } catch (e) {
    throw new SceneLoadError(parseFailureOf(file.name, e));
  }
  return file.arrayBuffer();
}

export interface ParsedScene {
  scene: Scene;
  parseMs: number;
}

type Pending = { resolve: (r: ParsedScene) => void; reject: (e: Error) => void; fileName: string };

export class ParseClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./parseWorker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<ParseResponse>) => {
      const msg = event.data;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve({ scene: msg.scene, parseMs: msg.parseMs });
      else p.reject(new SceneLoadError(msg.failure));
    };
    worker.onerror = (event: ErrorEvent) => {
      // A crashed worker (e.g. out of memory) fails every request in flight; the next one starts a fresh worker.
      const reason = event.message || 'the parser stopped unexpectedly';
      for (const [, p] of this.pending) p.reject(new SceneLoadError({ file: p.fileName, reason }));
      this.pending.clear();
      worker.terminate();
      this.worker = null;
    };
    this.worker = worker;
    return worker;
  }

  parse(fileName: string, bytes: ArrayBuffer): Promise<ParsedScene> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<ParsedScene>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, fileName });
      const req: ParseRequest = { id, fileName, bytes };
      worker.postMessage(req, [bytes]);
    });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const [, p] of this.pending) p.reject(new Error('parser closed'));
    this.pending.clear();
  }
}
