/**
 * The project's own scene format: everything a Scene holds, nothing inferred.
 *
 * {
 *   "format": "lamslide-scene",
 *   "version": 1,
 *   "name": "biwi_eth",
 *   "kind": "pedestrian" | "molecule" | "nbody" | "basketball" | "generic",
 *   "dim": 2 | 3,
 *   "lengthUnit": "m",
 *   "frameInterval": { "value": 0.4, "unit": "s" | "ms" | "fs" | "ps" | "ns" | "sim" | "frame" },
 *   "entities": [ { "sourceId": "12", "label": "ped 12", "element": "C", "charge": -1, "group": "PLAYER" }, ... ],
 *                                                  // element, charge (finite number), group (non-empty): optional
 *   "frameLabels": [ 780, 790, ... ],              // F numbers, strictly increasing
 *   "frames": [ [ [x, y], null, ... ], ... ],     // F arrays of N entries: D numbers, or null when absent
 *   "meta": { ... }                                // optional, free-form, ignored by the reader
 * }
 *
 * Validation is strict (unknown keys are errors, so typos do not pass silently). Errors name the JSON path of
 * the bad value ("frames[3][7][1]") and its line, found by re-scanning the text only when there is an error.
 */

import { SceneParseError, SceneWriteError } from '../errors';
import { normalizeElement } from '../elements';
import type { Dim, Entity, FrameInterval, Scene } from '../scene';
import { F32_MAX, SCENE_KINDS, TIME_UNITS, asSceneKind, asTimeUnit, checkSceneSize, formatF32, lineAtOffset } from './common';

export const JSON_FORMAT_NAME = 'lamslide-scene';
export const JSON_FORMAT_VERSION = 1;

const ENTITY_KEYS = ['sourceId', 'label', 'element', 'charge', 'group'];
const TOP_KEYS = new Set([
  'format', 'version', 'name', 'kind', 'dim', 'lengthUnit', 'frameInterval', 'entities', 'frameLabels', 'frames', 'meta',
]);

type PathPart = string | number;

export function readJsonScene(file: string, text: string): Scene {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new SceneParseError(file, syntaxErrorLine(text, msg), `invalid JSON: ${msg.slice(0, 200)}`, 'a JSON document');
  }

  const fail = (path: PathPart[], reason: string, expected: string): never => {
    let line = 0;
    try {
      line = lineOfPath(text, path);
    } catch {
      line = 0;
    }
    throw new SceneParseError(file, line, `${formatPath(path)}: ${reason}`, expected);
  };

  if (!isObject(root)) return fail([], 'top level is not an object', `an object with "format": "${JSON_FORMAT_NAME}"`);
  for (const k of Object.keys(root)) {
    if (!TOP_KEYS.has(k)) fail([k], 'unknown key', `only the keys ${[...TOP_KEYS].join(', ')}`);
  }
  if (root.format !== JSON_FORMAT_NAME) fail(['format'], `is ${describe(root.format)}`, `"${JSON_FORMAT_NAME}"`);
  if (root.version !== JSON_FORMAT_VERSION) {
    fail(['version'], `is ${describe(root.version)}`, `${JSON_FORMAT_VERSION} (the only version this app reads)`);
  }
  if (typeof root.name !== 'string') fail(['name'], `is ${describe(root.name)}`, 'a string');
  const kind = asSceneKind(root.kind) ?? fail(['kind'], `is ${describe(root.kind)}`, `one of ${SCENE_KINDS.join(', ')}`);
  const dim: Dim = root.dim === 2 || root.dim === 3 ? root.dim : fail(['dim'], `is ${describe(root.dim)}`, '2 or 3');
  if (typeof root.lengthUnit !== 'string') fail(['lengthUnit'], `is ${describe(root.lengthUnit)}`, 'a string such as "m" or "Å"');

  const fi = root.frameInterval;
  if (!isObject(fi)) return fail(['frameInterval'], `is ${describe(fi)}`, '{"value": number > 0, "unit": "s"}');
  for (const k of Object.keys(fi)) if (k !== 'value' && k !== 'unit') fail(['frameInterval', k], 'unknown key', 'only value and unit');
  if (typeof fi.value !== 'number' || !(fi.value > 0) || !Number.isFinite(fi.value)) {
    fail(['frameInterval', 'value'], `is ${describe(fi.value)}`, 'a positive number');
  }
  const unit = asTimeUnit(fi.unit) ?? fail(['frameInterval', 'unit'], `is ${describe(fi.unit)}`, `one of ${TIME_UNITS.join(', ')}`);
  const frameInterval: FrameInterval = { value: fi.value as number, unit };

  const ents = root.entities;
  if (!Array.isArray(ents) || ents.length === 0) return fail(['entities'], `is ${describe(ents)}`, 'a non-empty array of entities');
  const entities: Entity[] = [];
  const seen = new Map<string, number>();
  ents.forEach((e: unknown, i: number) => {
    if (!isObject(e)) return fail(['entities', i], `is ${describe(e)}`, '{"sourceId": "...", "label": "..."}');
    for (const k of Object.keys(e)) {
      if (!ENTITY_KEYS.includes(k)) fail(['entities', i, k], 'unknown key', `only ${ENTITY_KEYS.join(', ')}`);
    }
    if (typeof e.sourceId !== 'string' || e.sourceId === '') {
      fail(['entities', i, 'sourceId'], `is ${describe(e.sourceId)}`, 'a non-empty string');
    }
    const sid = e.sourceId as string;
    const prev = seen.get(sid);
    if (prev !== undefined) fail(['entities', i, 'sourceId'], `"${sid}" is also the id of entity ${prev}`, 'unique sourceIds');
    seen.set(sid, i);
    if (typeof e.label !== 'string') fail(['entities', i, 'label'], `is ${describe(e.label)}`, 'a string');
    const entity: Entity = { sourceId: sid, label: e.label as string };
    if (e.element !== undefined) {
      const el = typeof e.element === 'string' ? normalizeElement(e.element) : undefined;
      if (!el) fail(['entities', i, 'element'], `unknown element ${describe(e.element)}`, 'an element symbol such as "C" or "Cl"');
      entity.element = el;
    }
    if (e.charge !== undefined) {
      if (typeof e.charge !== 'number' || !Number.isFinite(e.charge)) fail(['entities', i, 'charge'], `is ${describe(e.charge)}`, 'a finite number');
      entity.charge = (e.charge as number) === 0 ? 0 : (e.charge as number);
    }
    if (e.group !== undefined) {
      if (typeof e.group !== 'string' || e.group === '') fail(['entities', i, 'group'], `is ${describe(e.group)}`, 'a non-empty string such as "PLAYER"');
      entity.group = e.group as string;
    }
    entities.push(entity);
  });
  const n = entities.length;

  const frames = root.frames;
  if (!Array.isArray(frames) || frames.length === 0) return fail(['frames'], `is ${describe(frames)}`, 'a non-empty array of frames');
  const fCount = frames.length;
  const labels = root.frameLabels;
  if (!Array.isArray(labels) || labels.length !== fCount) {
    fail(['frameLabels'], `is ${Array.isArray(labels) ? `an array of ${labels.length}` : describe(labels)}`, `an array of ${fCount} numbers (one per frame)`);
  }
  const frameLabels: number[] = [];
  (labels as unknown[]).forEach((v, f) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(['frameLabels', f], `is ${describe(v)}`, 'a finite number');
    if (f > 0 && !((v as number) > frameLabels[f - 1])) fail(['frameLabels', f], `${v} does not increase`, 'strictly increasing frame labels');
    frameLabels.push(v as number);
  });

  // Row shapes first: the dense arrays are only allocated once the document really holds F x N entries.
  for (let f = 0; f < fCount; f++) {
    const row: unknown = frames[f];
    if (!Array.isArray(row) || row.length !== n) {
      fail(['frames', f], `is ${Array.isArray(row) ? `an array of ${row.length}` : describe(row)}`, `an array of ${n} entries (one per entity)`);
    }
  }
  checkSceneSize(file, fCount, n, dim);
  const positions = new Float32Array(fCount * n * dim);
  const mask = new Uint8Array(fCount * n);
  for (let f = 0; f < fCount; f++) {
    const r = frames[f] as unknown[];
    for (let i = 0; i < n; i++) {
      const p = r[i];
      if (p === null) continue;
      if (!Array.isArray(p) || p.length !== dim) {
        fail(['frames', f, i], `is ${describe(p)}`, `null or an array of ${dim} numbers`);
      }
      const q = p as unknown[];
      const base = (f * n + i) * dim;
      for (let k = 0; k < dim; k++) {
        const v = q[k];
        if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > F32_MAX) {
          fail(['frames', f, i, k], `is ${describe(v)}`, 'a finite number within float32 range');
        }
        positions[base + k] = v as number;
      }
      mask[f * n + i] = 1;
    }
  }

  return {
    name: root.name as string,
    kind,
    dim,
    entities,
    frameCount: fCount,
    positions,
    mask,
    frameInterval,
    frameLabels,
    lengthUnit: root.lengthUnit as string,
  };
}

/** One frame per line: readable in a text editor and diff-friendly, without the bulk of full pretty-printing. */
export function writeJsonScene(scene: Scene): string {
  const n = scene.entities.length;
  const d = scene.dim;
  const head: Array<[string, unknown]> = [
    ['format', JSON_FORMAT_NAME],
    ['version', JSON_FORMAT_VERSION],
    ['name', scene.name],
    ['kind', scene.kind],
    ['dim', scene.dim],
    ['lengthUnit', scene.lengthUnit],
    ['frameInterval', { value: scene.frameInterval.value, unit: scene.frameInterval.unit }],
  ];
  const parts: string[] = ['{\n' + head.map(([k, v]) => `  "${k}": ${JSON.stringify(v)}`).join(',\n')];
  parts.push(',\n  "entities": [\n');
  parts.push(
    scene.entities
      .map((e) => {
        if (e.charge !== undefined && !Number.isFinite(e.charge)) throw new SceneWriteError('JSON', `entity ${JSON.stringify(e.sourceId)} has charge ${e.charge}`);
        const out: Entity = { sourceId: e.sourceId, label: e.label };
        if (e.element) out.element = e.element;
        if (e.charge !== undefined) out.charge = e.charge;
        if (e.group !== undefined) out.group = e.group;
        return '    ' + JSON.stringify(out);
      })
      .join(',\n'),
  );
  parts.push('\n  ],\n  "frameLabels": ' + JSON.stringify(scene.frameLabels) + ',\n  "frames": [\n');
  for (let f = 0; f < scene.frameCount; f++) {
    const items: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const slot = f * n + i;
      if (scene.mask[slot] !== 1) {
        items[i] = 'null';
        continue;
      }
      const c: string[] = new Array(d);
      for (let k = 0; k < d; k++) c[k] = formatF32(scene.positions[slot * d + k]);
      items[i] = `[${c.join(',')}]`;
    }
    parts.push(`    [${items.join(',')}]${f + 1 < scene.frameCount ? ',' : ''}\n`);
  }
  parts.push('  ]\n}\n');
  return parts.join('');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

export function formatPath(path: PathPart[]): string {
  if (path.length === 0) return '(top level)';
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

function syntaxErrorLine(text: string, msg: string): number {
  const lineCol = /line (\d+)/i.exec(msg);
  if (lineCol) return Number(lineCol[1]);
  const pos = /position (\d+)/i.exec(msg);
  if (pos) return lineAt(text, Math.min(Number(pos[1]), text.length));
  if (/end of (JSON )?input|unterminated|unexpected end/i.test(msg)) return lineAt(text, text.length);
  return 0;
}

function lineAt(text: string, offset: number): number {
  return lineAtOffset((i) => text.charCodeAt(i), offset);
}

/**
 * Line of the value at `path` in already-valid JSON text (0 if the path is not there). Only runs on errors, so
 * the fast JSON.parse handles the normal case.
 */
export function lineOfPath(text: string, path: PathPart[]): number {
  let i = skipWs(text, 0);
  for (const part of path) {
    const c = text[i];
    if (typeof part === 'number') {
      if (c !== '[') return 0;
      i = skipWs(text, i + 1);
      if (text[i] === ']') return 0;
      for (let k = 0; k < part; k++) {
        i = skipWs(text, skipValue(text, i));
        if (text[i] !== ',') return 0;
        i = skipWs(text, i + 1);
      }
    } else {
      if (c !== '{') return 0;
      const objectStart = i;
      i = skipWs(text, i + 1);
      let found = false;
      while (text[i] === '"') {
        const keyEnd = skipValue(text, i);
        const key = JSON.parse(text.slice(i, keyEnd)) as string;
        i = skipWs(text, keyEnd);
        if (text[i] !== ':') return 0;
        i = skipWs(text, i + 1);
        if (key === part) {
          found = true;
          // A missing value reports the key's line; keys are what the error message names anyway.
          break;
        }
        i = skipWs(text, skipValue(text, i));
        if (text[i] !== ',') break;
        i = skipWs(text, i + 1);
      }
      // A missing key is reported where its object begins.
      if (!found) return lineAt(text, objectStart);
    }
  }
  return lineAt(text, i);
}

function skipWs(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}

/** End offset of the JSON value starting at i; iterative so deep nesting cannot overflow the stack. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') {
    i++;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '\\') i += 2;
      else if (ch === '"') return i + 1;
      else i++;
    }
    return i;
  }
  if (c === '[' || c === '{') {
    let depth = 0;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') {
        i = skipValue(text, i);
        continue;
      }
      if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
  return i;
}
