/** Loading models and scene files from disk for the CLI. */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { SceneParseError } from '../core/errors';
import { MAX_SCENE_BYTES, checkFileSize, parseSceneFileBytes } from '../core/formats/index';
import type { Scene } from '../core/scene';
import { OnnxModel } from '../engine/model';
import { FileModelSource } from '../engine/node-source';
import { configureOrt } from '../engine/ort';
import { UsageError } from './args';

export async function loadModelDir(dir: string, threads: number): Promise<OnnxModel> {
  configureOrt({ numThreads: threads });
  return OnnxModel.load(new FileModelSource(resolve(dir)), { backend: 'wasm', bucketing: 'never' });
}

const SCENE_EXT = /\.(txt|tsv|csv|json|ethucy|xyz|extxyz|pdb|ent)$/i;

/** A file, or every scene file under a folder (recursively, sorted by path). */
export async function sceneFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new UsageError(`--data ${path}: no such file or folder`);
  }
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (SCENE_EXT.test(e.name)) out.push(p);
    }
  };
  await walk(path);
  if (out.length === 0) throw new UsageError(`--data ${path}: no scene files (.txt, .tsv, .csv, .json, .xyz, .pdb) in this folder`);
  return out;
}

/**
 * Reads a scene file as the page does: the size is checked before reading (a 3 GB file is refused as too large,
 * not read), the bytes are decoded by the same rules (strict UTF-8, or UTF-16 with a byte-order mark).
 */
export async function readScene(path: string): Promise<Scene> {
  return readSceneFile(path, MAX_SCENE_BYTES);
}

export async function readSceneFile(path: string, maxBytes: number): Promise<Scene> {
  const name = basename(path);
  const bytes = await readCapped(path, name, maxBytes);
  return parseSceneFileBytes(name, bytes, { maxBytes });
}

/** The file's bytes, refusing it by its size first and never reading more than maxBytes + 1 bytes. */
async function readCapped(path: string, name: string, maxBytes: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new SceneParseError(name, 0, `${path} is a folder`, 'a scene file');
    checkFileSize(name, st.size, maxBytes);
    // A regular file's size is known; pipes and devices report 0 and are read in steps up to the limit.
    let buf = new Uint8Array(Math.min(maxBytes + 1, st.size > 0 ? st.size + 1 : 1 << 16));
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        if (buf.length > maxBytes) break;
        const next = new Uint8Array(Math.min(maxBytes + 1, buf.length * 2));
        next.set(buf);
        buf = next;
      }
      const { bytesRead } = await fh.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
    }
    // The file grew past the limit after stat (or is a stream): refused by the same check.
    checkFileSize(name, used, maxBytes);
    return buf.subarray(0, used);
  } finally {
    await fh.close();
  }
}
