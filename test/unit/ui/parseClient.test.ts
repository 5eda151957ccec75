import { describe, expect, it } from 'vitest';
import { readFileBytes, SceneLoadError } from '../../../src/ui/parseClient';

describe('readFileBytes (files the user opens in the page)', () => {
  it('refuses a 3 GB file by File.size without reading any of it', async () => {
    let read = false;
    const file = {
      name: 'huge.txt',
      size: 3 * 1024 ** 3,
      arrayBuffer: () => {
        read = true;
        return Promise.resolve(new ArrayBuffer(0));
      },
    };
    const err = await readFileBytes(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SceneLoadError);
    expect((err as SceneLoadError).failure).toEqual({ file: 'huge.txt', line: 0, reason: 'file is too large (3.0 GiB)', expected: 'at most 64.0 MiB' });
    expect(read).toBe(false);
  });

  it('reads a file within the limit', async () => {
    const blob = new Blob(['0 1 0 0\n']);
    const bytes = await readFileBytes({ name: 'ok.txt', size: blob.size, arrayBuffer: () => blob.arrayBuffer() });
    expect(new Uint8Array(bytes)).toEqual(new TextEncoder().encode('0 1 0 0\n'));
  });
});
