import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplerClient, type WorkerLike } from '../../../src/engine/client';
import { FileModelSource } from '../../../src/engine/node-source';
import type { WorkerRequest, WorkerResponse } from '../../../src/engine/protocol';
import { SamplingService } from '../../../src/engine/service';
import { tinyDims, writeTinyModel } from './tiny-model';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamslide-svc-'));
  await writeTinyModel(join(root, 'tiny'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** An in-process stand-in for the Worker: same protocol, messages structured-cloned like postMessage does. */
function inProcessWorker(): WorkerLike & { transfers: number } {
  const w: WorkerLike & { transfers: number } = {
    onmessage: null,
    transfers: 0,
    postMessage(msg: WorkerRequest) {
      void service.handle(structuredClone(msg));
    },
    terminate() {},
  };
  const service = new SamplingService(
    (msg: WorkerResponse, transfer?: Transferable[]) => {
      w.transfers += transfer?.length ?? 0;
      setTimeout(() => w.onmessage?.({ data: structuredClone(msg) } as MessageEvent<WorkerResponse>), 0);
    },
    (url) => new FileModelSource(join(root, url)),
  );
  return w;
}

function history() {
  const T = tinyDims.observed + tinyDims.future;
  const N = 2;
  return { T, N, D: 2, pos: new Float32Array(T * N * 2).map((_, i) => i / 10), mask: new Float32Array(T * N).fill(1) };
}

describe('sampling service protocol', () => {
  it('loads, samples with progress per flow step, and transfers the result', async () => {
    const w = inProcessWorker();
    const c = new SamplerClient(w);
    const loaded = await c.load('tiny', { backend: 'wasm' });
    expect(loaded.backend).toBe('wasm');
    expect(loaded.manifest.name).toBe('tiny');
    const steps: number[] = [];
    const { result } = c.sample({ ...history(), K: 4, nfe: 3, solver: 'euler', seed: 1 }, (s) => steps.push(s));
    const r = await result;
    expect(steps).toEqual([1, 2, 3]);
    expect(r.future.length).toBe(4 * tinyDims.future * 2 * 2);
    expect(r.backend).toBe('wasm');
    expect(w.transfers).toBe(2);
  });

  it('reports errors with the file at fault, and cancels', async () => {
    const c = new SamplerClient(inProcessWorker());
    await expect(c.load('nowhere', { backend: 'wasm' })).rejects.toThrow(/manifest\.json: missing/);
    await expect(c.sample({ ...history(), K: 1, nfe: 1, solver: 'euler', seed: 0 }).result).rejects.toThrow(/no model loaded/);
    await c.load('tiny', { backend: 'wasm' });
    const { id, result } = c.sample({ ...history(), K: 2, nfe: 50, solver: 'euler', seed: 0 }, (s) => {
      if (s === 2) c.cancel(id);
    });
    await expect(result).rejects.toThrow(/cancelled/);
  });
});
