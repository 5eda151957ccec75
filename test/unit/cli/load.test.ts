import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readScene, readSceneFile } from '../../../src/cli/load';
import { parseSceneFileBytes } from '../../../src/core/formats/index';
import { isSceneParseError } from '../../../src/core/errors';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lamslide-load-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A file of `size` bytes that takes no disk space (sparse): the size is all the reader may look at. */
async function sparse(name: string, size: number): Promise<string> {
  const p = join(dir, name);
  const fh = await open(p, 'w');
  await fh.truncate(size);
  await fh.close();
  return p;
}

async function parseError(p: Promise<unknown>): Promise<{ line: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isSceneParseError(e)) return { line: e.line, message: e.message };
    throw e;
  }
  throw new Error('expected a SceneParseError');
}

describe('readScene (CLI)', () => {
  it('refuses a 3 GB file as too large, by its size', async () => {
    const e = await parseError(readScene(await sparse('huge.txt', 3 * 1024 ** 3)));
    expect(e.message).toBe('huge.txt:0: file is too large (3.0 GiB) (expected at most 64.0 MiB)');
  });

  it('refuses a 1 GB file without reading it', async () => {
    const path = await sparse('big.txt', 1024 ** 3);
    const before = process.memoryUsage().arrayBuffers;
    const e = await parseError(readScene(path));
    expect(e.message).toMatch(/too large \(1\.0 GiB\)/);
    // Reading it whole would have allocated a 1 GiB buffer.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('never reads past the limit', async () => {
    const path = join(dir, 'limit.txt');
    await writeFile(path, Array.from({ length: 100 }, (_, k) => `${k} 1 0 0\n`).join(''));
    await expect(readSceneFile(path, 890)).resolves.toMatchObject({ frameCount: 100 });
    const e = await parseError(readSceneFile(path, 889));
    expect(e.message).toMatch(/too large \(890 bytes\) \(expected at most 889 bytes\)/);
  });

  it('decodes exactly as the page does: UTF-16 by its mark, Latin-1 refused with the byte offset', async () => {
    const text = 'frame,id,x,y,label\n0,1,0.5,1,Zoë\n';
    const u16 = new Uint8Array([0xff, 0xfe, ...Array.from(text).flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8])]);
    await writeFile(join(dir, 'u16.csv'), u16);
    const cli = await readScene(join(dir, 'u16.csv'));
    expect(cli.entities[0].label).toBe('Zoë');
    expect(cli).toEqual(parseSceneFileBytes('u16.csv', u16));

    const latin1 = new Uint8Array([...new TextEncoder().encode('frame,id,x,y,label\n0,1,0.5,1,Zo'), 0xeb, 0x0a]);
    await writeFile(join(dir, 'latin1.csv'), latin1);
    const e = await parseError(readScene(join(dir, 'latin1.csv')));
    let page = '';
    try {
      parseSceneFileBytes('latin1.csv', latin1);
    } catch (err) {
      page = (err as Error).message;
    }
    expect(e.message).toBe(page);
    expect(e.message).toMatch(/^latin1\.csv:2: byte 31 \(0xEB\) is not valid UTF-8/);
  });

  it('names a folder given as a scene file', async () => {
    const e = await parseError(readScene(dir));
    expect(e.message).toMatch(/is a folder/);
  });
});
