/**
 * The worker downloads onnxruntime's .wasm itself (with progress) and hands it over (env.wasm.wasmBinary).
 * A file of its own: onnxruntime initialises once per process, and this must be the first load.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadProgressResponse, WorkerResponse } from '../../../src/engine/protocol';
import { ort } from '../../../src/engine/ort';
import { SamplingService } from '../../../src/engine/service';
import { tinyDims, writeTinyModel } from './tiny-model';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-svc-wasm-'));
  await writeTinyModel(join(root, 'tiny'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const T = tinyDims.observed + tinyDims.future;
const sampleReq = (id: number) => ({ type: 'sample' as const, id, T, N: 2, D: 2, pos: new Float32Array(T * 4).map((_, i) => i / 10), mask: new Float32Array(T * 2).fill(1), K: 2, nfe: 3, solver: 'euler' as const, seed: 1 });

describe('load progress', () => {
  let server: Server;
  let base: string;
  const wasmFile = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');

  beforeAll(async () => {
    // A static server over the model folder, plus onnxruntime's Node .wasm under /ort/, with Content-Length.
    server = createServer((req, res) => {
      const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
      const file = url.startsWith('/ort/') ? wasmFile : normalize(join(root, url));
      if (!file.startsWith(resolve(root) + sep) && file !== wasmFile) {
        res.statusCode = 403;
        res.end();
        return;
      }
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        res.statusCode = 404;
        res.end('not found');
        return;
      }
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Length', String(size));
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reports bytes per file for the three graphs and the WASM binary, which onnxruntime then runs', async () => {
    const log: WorkerResponse[] = [];
    // default sources: fetch over HTTP, streamed
    const service = new SamplingService((m) => log.push(m));
    await service.handle({ type: 'load', id: 1, modelUrl: `${base}/tiny/`, backend: 'wasm', numThreads: 2, wasmUrl: `${base}/ort/ort-wasm-simd-threaded.wasm` });
    expect(log.at(-1)?.type).toBe('loaded');
    const prog = log.filter((m): m is LoadProgressResponse => m.type === 'load-progress');
    const files = [...new Set(prog.map((p) => p.file))];
    expect(files).toEqual(['encoder.onnx', 'approximator.onnx', 'decoder.onnx', 'ort-wasm-simd-threaded.wasm']);
    const wasmSize = statSync(wasmFile).size;
    for (const f of files) {
      const ps = prog.filter((p) => p.file === f);
      const size = f.endsWith('.wasm') ? wasmSize : statSync(join(root, 'tiny', f)).size;
      expect(ps.every((p) => p.total === size)).toBe(true);
      for (let i = 1; i < ps.length; i++) expect(ps[i].loaded).toBeGreaterThanOrEqual(ps[i - 1].loaded);
      expect(ps.at(-1)!.loaded).toBe(size);
    }
    // streamed: the 14 MB binary reports along the way, not only at the end
    expect(prog.filter((p) => p.file.endsWith('.wasm') && p.loaded > 0 && p.loaded < wasmSize).length).toBeGreaterThan(10);
    // the binary we handed over runs (threaded: 2 threads asked for)
    expect((ort.env.wasm.wasmBinary as Uint8Array).byteLength).toBe(wasmSize);
    expect(ort.env.wasm.numThreads).toBe(2);
    await service.handle(sampleReq(2));
    expect(log.at(-1)?.type).toBe('result');
    // a second load does not download the WASM again (onnxruntime is initialised)
    log.length = 0;
    await service.handle({ type: 'load', id: 3, modelUrl: `${base}/tiny/`, backend: 'wasm', wasmUrl: `${base}/ort/ort-wasm-simd-threaded.wasm` });
    expect(log.filter((m) => m.type === 'load-progress' && m.file.endsWith('.wasm'))).toEqual([]);
    expect(log.at(-1)?.type).toBe('loaded');
  });
});
