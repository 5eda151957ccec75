/** Loading models and scene files from disk for the CLI. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseSceneFile } from '../core/formats/index';
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

export async function readScene(path: string): Promise<Scene> {
  const text = await readFile(path, 'utf8');
  const s = parseSceneFile(basename(path), text);
  return s;
}
