/**
 * Entry points for loading and saving scenes: picks the reader by extension (with a content sniff when the
 * extension says nothing), enforces the size limits, and guarantees that failures are SceneParseErrors.
 */

import { SceneParseError, SceneWriteError } from '../errors';
import type { Scene } from '../scene';
import { MAX_SCENE_BYTES, checkFileSize, checkTextSize } from './common';
import { readCsv, writeCsv } from './csv';
import { readEthUcy, writeEthUcy } from './ethucy';
import { readJsonScene, writeJsonScene } from './json';
import { readPdb, writePdb } from './pdb';
import { decodeSceneText } from './text';
import { readXyz, writeXyz } from './xyz';

export {
  GAP_FILL_FACTOR, GAP_FILL_SLACK, MAX_FRAMES, MAX_SCENE_BYTES, MAX_SCENE_FLOATS, SCENE_KINDS, TIME_UNITS, checkFileSize, sceneProblems,
} from './common';
export { decodeSceneText } from './text';
export { readCsv, writeCsv } from './csv';
export type { CsvOptions } from './csv';
export { readEthUcy, writeEthUcy, ETHUCY_DEFAULT_INTERVAL, SPORTVU_DEFAULT_INTERVAL } from './ethucy';
export type { EthUcyOptions } from './ethucy';
export { readJsonScene, writeJsonScene, JSON_FORMAT_NAME, JSON_FORMAT_VERSION } from './json';
export { readPdb, writePdb } from './pdb';
export type { PdbOptions } from './pdb';
export { readXyz, writeXyz } from './xyz';
export type { XyzOptions } from './xyz';

export type SceneFormat = 'xyz' | 'pdb' | 'ethucy' | 'csv' | 'json';

/** Output formats; 'extxyz' is the same writer as 'xyz' (it always writes extended XYZ). */
export type SceneWriteFormat = SceneFormat | 'extxyz';

export const SUPPORTED_EXTENSIONS: readonly string[] = ['.xyz', '.extxyz', '.pdb', '.ent', '.txt', '.tsv', '.ethucy', '.csv', '.json'];

const EXTENSION_FORMAT: Readonly<Record<string, SceneFormat>> = {
  '.xyz': 'xyz',
  '.extxyz': 'xyz',
  '.pdb': 'pdb',
  '.ent': 'pdb',
  '.txt': 'ethucy',
  '.tsv': 'ethucy',
  '.ethucy': 'ethucy',
  '.csv': 'csv',
  '.json': 'json',
};

/** File extension to use when saving in a format. */
export const FORMAT_EXTENSION: Readonly<Record<SceneWriteFormat, string>> = {
  xyz: '.xyz',
  extxyz: '.extxyz',
  pdb: '.pdb',
  ethucy: '.txt',
  csv: '.csv',
  json: '.json',
};

export interface ParseOptions {
  /** Size limit in characters (bytes for parseSceneFileBytes); defaults to MAX_SCENE_BYTES (64 MiB). */
  maxBytes?: number;
}

export function formatFromFileName(fileName: string): SceneFormat | undefined {
  const base = baseName(fileName).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot < 0 ? undefined : EXTENSION_FORMAT[base.slice(dot)];
}

/**
 * Guesses the format from the first lines. Used when the extension is unknown, and for .txt files that are
 * clearly not ETH/UCY (people save XYZ or CSV as .txt).
 */
export function sniffFormat(text: string): SceneFormat | undefined {
  const head = text.slice(0, 64 * 1024);
  const lines = head.split(/\r\n|\r|\n/, 200);
  const firstIdx = lines.findIndex((l) => l.trim() !== '');
  if (firstIdx < 0) return undefined;
  const first = lines[firstIdx].trim();
  if (first.startsWith('{')) return 'json';
  if (lines.some((l) => /^(ATOM  |HETATM|MODEL |HEADER|CRYST1|COMPND|TITLE )/.test(l))) return 'pdb';
  if (/^\d+$/.test(first)) return 'xyz';
  const data = lines.slice(firstIdx).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (data === undefined) return undefined;
  const lower = data.toLowerCase();
  if (data.includes(',') && /\bframe\b/.test(lower) && /\bid\b/.test(lower)) return 'csv';
  const fields = data.trim().split(/\s+/);
  if ((fields.length === 4 || fields.length === 5) && fields.slice(0, 4).every((f) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(f))) {
    return 'ethucy';
  }
  return undefined;
}

/**
 * Reads a scene from its text. The format comes from the extension (see SUPPORTED_EXTENSIONS); .txt files and
 * unknown extensions are sniffed. Throws SceneParseError for every problem with the input, and returns only a
 * complete, consistent Scene.
 */
export function parseSceneFile(fileName: string, text: string, opts: ParseOptions = {}): Scene {
  checkTextSize(fileName, text, opts.maxBytes ?? MAX_SCENE_BYTES);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new SceneParseError(fileName, 0, 'file is empty', 'scene data');
  }
  const byExt = formatFromFileName(fileName);
  let format: SceneFormat | undefined = byExt;
  if (byExt === undefined || byExt === 'ethucy') {
    const sniffed = sniffFormat(body);
    if (byExt === undefined) format = sniffed;
    else if (sniffed !== undefined && baseName(fileName).toLowerCase().endsWith('.txt')) format = sniffed;
  }
  if (format === undefined) {
    throw new SceneParseError(
      fileName,
      0,
      'cannot tell the file format from the name or the content',
      `a file ending in ${SUPPORTED_EXTENSIONS.join(', ')}`,
    );
  }
  const name = baseName(fileName);
  try {
    switch (format) {
      case 'xyz':
        return readXyz(fileName, body, { name });
      case 'pdb':
        return readPdb(fileName, body, { name });
      case 'ethucy':
        return readEthUcy(fileName, body, { name });
      case 'csv':
        return readCsv(fileName, body, { name });
      case 'json':
        return readJsonScene(fileName, body);
    }
  } catch (e) {
    // Allocation failures are about the input's size, so they belong to the user-facing error class.
    if (e instanceof RangeError) {
      throw new SceneParseError(fileName, 0, `not enough memory to load the scene (${e.message})`, 'a smaller scene');
    }
    throw e;
  }
}

/**
 * The path for file bytes (the browser's parse worker and the CLI): checks the byte size, decodes the text the
 * same way everywhere (strict UTF-8, or UTF-16 with a byte-order mark; see text.ts), then parses.
 */
export function parseSceneFileBytes(fileName: string, bytes: Uint8Array, opts: ParseOptions = {}): Scene {
  const max = opts.maxBytes ?? MAX_SCENE_BYTES;
  checkFileSize(fileName, bytes.length, max);
  return parseSceneFile(fileName, decodeSceneText(fileName, bytes), { maxBytes: max });
}

/** Serialises a scene; throws SceneWriteError when the format cannot hold it (e.g. 3-D into ETH/UCY). */
export function writeSceneFile(scene: Scene, format: SceneWriteFormat): string {
  switch (format) {
    case 'xyz':
    case 'extxyz':
      return writeXyz(scene);
    case 'pdb':
      return writePdb(scene);
    case 'ethucy':
      return writeEthUcy(scene);
    case 'csv':
      return writeCsv(scene);
    case 'json':
      return writeJsonScene(scene);
    default:
      throw new SceneWriteError(String(format), 'unknown format');
  }
}

function baseName(fileName: string): string {
  const parts = fileName.split(/[\\/]/);
  return parts[parts.length - 1];
}
