/**
 * XYZ and extended XYZ, multi-frame. Each frame: an atom count line, a comment line, then one line per atom.
 *
 * - Plain XYZ atom lines: `species x y z [more columns ignored]`; species is an element symbol in any case
 *   ("C", "cl") or an atomic number ("6").
 * - Extended XYZ: when the comment line holds `Properties=name:type:count:...` (types S, R, I, L), atom lines
 *   must have exactly the declared columns; `species:S:1` (or `Z:I:1`) and `pos:R:3` are required. Other
 *   key=value pairs (Lattice, Time, pbc, energy...) are read only for what the scene can hold: `frame=` gives
 *   frame labels, `dt=`/`dt_unit=` the frame interval (the writer emits both), and a logical property
 *   `mask:L:1` marks absent atoms (the writer emits it only when some atom is absent).
 * - Every frame must have the same atom count and the same element order (it is one molecule over time).
 * - Blank lines before a count line are skipped (some tools separate frames with them).
 * Coordinates are taken as Å.
 */

import { SceneParseError, SceneWriteError } from '../errors';
import { elementByNumber, normalizeElement } from '../elements';
import type { FrameInterval, Scene, TimeUnit } from '../scene';
import {
  LineCursor,
  checkSceneSize,
  fitsF32,
  formatF32,
  isBlankRange,
  isSpace,
  parseDecimal,
  parseDecimalString,
  quote,
} from './common';

export interface XyzOptions {
  name?: string;
  frameInterval?: FrameInterval;
  lengthUnit?: string;
}

interface PropertyColumn {
  name: string;
  type: 'S' | 'R' | 'I' | 'L';
  count: number;
}

interface FrameLayout {
  /** Total columns per atom line; -1 for plain XYZ (at least 4, extra ignored). */
  width: number;
  speciesCol: number;
  speciesIsNumber: boolean;
  posCol: number;
  maskCol: number;
}

const PLAIN_LAYOUT: FrameLayout = { width: -1, speciesCol: 0, speciesIsNumber: false, posCol: 1, maskCol: -1 };
const TIME_UNITS: readonly TimeUnit[] = ['s', 'ms', 'fs', 'ps', 'ns', 'frame'];
const MAX_ATOMS = 10_000_000;

export function readXyz(file: string, text: string, opts: XyzOptions = {}): Scene {
  const cur = new LineCursor(text);
  let n = -1;
  const elements: string[] = [];
  const frameBlocks: Float32Array[] = [];
  const maskBlocks: Uint8Array[] = [];
  const labels: Array<number | undefined> = [];
  let interval: FrameInterval | undefined;
  let frameLineOfFirst = 0;
  const fieldStarts: number[] = [];
  const fieldEnds: number[] = [];

  for (;;) {
    // Count line (skipping blank separators).
    let got = false;
    while (cur.advance()) {
      if (!isBlankRange(text, cur.start, cur.end)) {
        got = true;
        break;
      }
    }
    if (!got) break;
    const countLine = cur.lineNo;
    const countText = cur.line().trim();
    const count = /^\d+$/.test(countText) ? Number(countText) : NaN;
    if (!Number.isInteger(count) || count < 1 || count > MAX_ATOMS) {
      throw new SceneParseError(
        file,
        countLine,
        `${quote(countText)} is not an atom count`,
        frameBlocks.length === 0 ? 'a positive integer atom count on the first line' : `the atom count (${n}) of the next frame`,
      );
    }
    // Each atom line takes at least 7 characters ("C 0 0 0"), so a count the file cannot hold is refused
    // before allocating for it (a 10-byte file must not reserve memory for millions of atoms).
    if (count > 100_000 && count * 7 > text.length) {
      throw new SceneParseError(file, countLine, `atom count ${count} is more than the file can hold`, 'an atom count that matches the atom lines');
    }
    if (n === -1) {
      n = count;
      frameLineOfFirst = countLine;
    } else if (count !== n) {
      throw new SceneParseError(
        file,
        countLine,
        `frame ${frameBlocks.length + 1} has ${count} atoms but frame 1 (line ${frameLineOfFirst}) has ${n}`,
        `${n} atoms in every frame`,
      );
    }
    checkSceneSize(file, frameBlocks.length + 1, n, 3);

    if (!cur.advance()) {
      throw new SceneParseError(file, countLine + 1, 'file ends before the comment line', 'a comment line after the atom count');
    }
    const comment = cur.line();
    const commentLine = cur.lineNo;
    const kv = parseComment(comment);
    const layout = kv?.Properties !== undefined ? layoutFromProperties(file, commentLine, kv.Properties) : PLAIN_LAYOUT;
    if (kv === undefined && /\bProperties=/.test(comment)) {
      throw new SceneParseError(file, commentLine, 'cannot read the extended XYZ comment line', 'key=value pairs, values with spaces in double quotes');
    }
    labels.push(kv?.frame !== undefined ? parseDecimalString(kv.frame) : undefined);
    if (frameBlocks.length === 0 && kv?.dt !== undefined) {
      const dt = parseDecimalString(kv.dt);
      const unit = TIME_UNITS.find((u) => u === kv.dt_unit);
      if (dt > 0 && unit) interval = { value: dt, unit };
    }

    const pos = new Float32Array(n * 3);
    const mask = new Uint8Array(n).fill(1);
    const first = frameBlocks.length === 0;
    for (let i = 0; i < n; i++) {
      if (!cur.advance()) {
        throw new SceneParseError(
          file,
          cur.lineNo + 1,
          `file ends after ${i} of ${n} atoms in frame ${frameBlocks.length + 1}`,
          `${n} atom lines`,
        );
      }
      const lineNo = cur.lineNo;
      splitFields(text, cur.start, cur.end, fieldStarts, fieldEnds);
      const nf = fieldStarts.length;
      if (layout.width === -1 ? nf < 4 : nf !== layout.width) {
        throw new SceneParseError(
          file,
          lineNo,
          `found ${nf} column${nf === 1 ? '' : 's'}`,
          layout.width === -1 ? 'an atom line "element x y z"' : `${layout.width} columns as declared by Properties=`,
        );
      }
      const sp = text.slice(fieldStarts[layout.speciesCol], fieldEnds[layout.speciesCol]);
      const el = speciesToElement(sp, layout.speciesIsNumber);
      if (!el) {
        throw new SceneParseError(file, lineNo, `unknown element ${quote(sp)}`, layout.speciesIsNumber ? 'an atomic number' : 'an element symbol such as C, N, O, Cl');
      }
      if (first) elements.push(el);
      else if (elements[i] !== el) {
        throw new SceneParseError(
          file,
          lineNo,
          `atom ${i + 1} is ${el} in frame ${frameBlocks.length + 1} but ${elements[i]} in frame 1`,
          'the same element order in every frame',
        );
      }
      let present = true;
      if (layout.maskCol >= 0) {
        const m = text.slice(fieldStarts[layout.maskCol], fieldEnds[layout.maskCol]);
        const b = parseLogical(m);
        if (b === undefined) throw new SceneParseError(file, lineNo, `${quote(m)} is not a logical`, 'T or F in the mask column');
        present = b;
      }
      for (let k = 0; k < 3; k++) {
        const c = layout.posCol + k;
        const v = parseDecimal(text, fieldStarts[c], fieldEnds[c]);
        if (!fitsF32(v)) {
          throw new SceneParseError(
            file,
            lineNo,
            `${quote(text.slice(fieldStarts[c], fieldEnds[c]))} is not a number`,
            `a finite decimal ${'xyz'[k]} coordinate in column ${c + 1}`,
          );
        }
        if (present) pos[i * 3 + k] = v;
      }
      if (!present) mask[i] = 0;
    }
    frameBlocks.push(pos);
    maskBlocks.push(mask);
  }

  if (frameBlocks.length === 0) throw new SceneParseError(file, 0, 'file is empty', 'an atom count on the first line');

  const fCount = frameBlocks.length;
  const positions = new Float32Array(fCount * n * 3);
  const mask = new Uint8Array(fCount * n);
  for (let f = 0; f < fCount; f++) {
    positions.set(frameBlocks[f], f * n * 3);
    mask.set(maskBlocks[f], f * n);
  }
  const frameLabels = labelsIfIncreasing(labels) ?? Array.from({ length: fCount }, (_, f) => f);
  return {
    name: opts.name ?? file,
    kind: 'molecule',
    dim: 3,
    entities: elements.map((el, i) => ({ sourceId: String(i), label: `${el}${i}`, element: el })),
    frameCount: fCount,
    positions,
    mask,
    frameInterval: opts.frameInterval ?? interval ?? { value: 1, unit: 'frame' },
    frameLabels,
    lengthUnit: opts.lengthUnit ?? 'Å',
  };
}

function labelsIfIncreasing(labels: Array<number | undefined>): number[] | undefined {
  const out: number[] = [];
  for (let f = 0; f < labels.length; f++) {
    const v = labels[f];
    if (v === undefined || Number.isNaN(v) || (f > 0 && !(v > out[f - 1]))) return undefined;
    out.push(v);
  }
  return out;
}

function speciesToElement(sp: string, isNumber: boolean): string | undefined {
  if (/^\d+$/.test(sp)) return elementByNumber(Number(sp))?.symbol;
  if (isNumber) return undefined;
  return normalizeElement(sp);
}

function parseLogical(s: string): boolean | undefined {
  const u = s.toUpperCase();
  if (u === 'T' || u === 'TRUE' || u === '1') return true;
  if (u === 'F' || u === 'FALSE' || u === '0') return false;
  return undefined;
}

function splitFields(text: string, start: number, end: number, starts: number[], ends: number[]): void {
  starts.length = 0;
  ends.length = 0;
  let i = start;
  while (i < end) {
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    if (i >= end) break;
    starts.push(i);
    while (i < end && !isSpace(text.charCodeAt(i))) i++;
    ends.push(i);
  }
}

/**
 * key=value pairs of an extended XYZ comment line; values may be "double quoted" (with \" escapes) or {braced}.
 * Returns undefined when the line is not in that form (then it is a free-text plain-XYZ comment).
 */
export function parseComment(line: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const ks = i;
    while (i < n && !isSpace(line.charCodeAt(i)) && line[i] !== '=') i++;
    const key = line.slice(ks, i);
    if (key.length === 0 || key.includes('"')) return undefined;
    if (i >= n || line[i] !== '=') {
      out[key] = 'T'; // bare key = logical true in extXYZ
      continue;
    }
    i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        if (line[i] === '\\' && i + 1 < n) {
          value += line[i + 1];
          i += 2;
          continue;
        }
        if (line[i] === '"') {
          closed = true;
          i++;
          break;
        }
        value += line[i++];
      }
      if (!closed) return undefined;
    } else if (line[i] === '{') {
      const close = line.indexOf('}', i);
      if (close < 0) return undefined;
      value = line.slice(i + 1, close);
      i = close + 1;
    } else {
      const vs = i;
      while (i < n && !isSpace(line.charCodeAt(i))) i++;
      value = line.slice(vs, i);
    }
    out[key] = value;
  }
  return out;
}

function layoutFromProperties(file: string, lineNo: number, spec: string): FrameLayout {
  const expected = 'Properties=name:type:count triples, including species:S:1 and pos:R:3';
  const parts = spec.split(':');
  if (parts.length % 3 !== 0 || parts.length === 0) {
    throw new SceneParseError(file, lineNo, `Properties=${quote(spec)} is not a list of name:type:count`, expected);
  }
  const props: PropertyColumn[] = [];
  for (let k = 0; k < parts.length; k += 3) {
    const name = parts[k];
    const type = parts[k + 1].toUpperCase();
    const count = /^\d+$/.test(parts[k + 2]) ? Number(parts[k + 2]) : NaN;
    if (!name || !(type === 'S' || type === 'R' || type === 'I' || type === 'L') || !(count >= 1 && count <= 1000)) {
      throw new SceneParseError(file, lineNo, `bad property ${quote(`${name}:${parts[k + 1]}:${parts[k + 2]}`)}`, expected);
    }
    props.push({ name, type, count });
  }
  let col = 0;
  const layout: FrameLayout = { width: 0, speciesCol: -1, speciesIsNumber: false, posCol: -1, maskCol: -1 };
  for (const p of props) {
    const lname = p.name.toLowerCase();
    if (lname === 'species' && p.type === 'S' && p.count === 1) layout.speciesCol = col;
    else if (lname === 'z' && p.type === 'I' && p.count === 1 && layout.speciesCol < 0) {
      layout.speciesCol = col;
      layout.speciesIsNumber = true;
    } else if (lname === 'pos' && p.type === 'R' && p.count === 3) layout.posCol = col;
    else if (lname === 'mask' && p.type === 'L' && p.count === 1) layout.maskCol = col;
    col += p.count;
  }
  layout.width = col;
  if (layout.speciesCol < 0 || layout.posCol < 0) {
    throw new SceneParseError(file, lineNo, `Properties=${quote(spec)} lacks ${layout.posCol < 0 ? 'pos:R:3' : 'species:S:1'}`, expected);
  }
  return layout;
}

/**
 * Writes extended XYZ (a plain XYZ reader still sees "element x y z" lines, because species and pos come first).
 * Needs an element for every entity; 2-D scenes are written with z = 0.
 */
export function writeXyz(scene: Scene): string {
  const n = scene.entities.length;
  const d = scene.dim;
  const missing = scene.entities.findIndex((e) => !e.element || !normalizeElement(e.element));
  if (missing >= 0) {
    throw new SceneWriteError('XYZ', `entity ${quote(scene.entities[missing].sourceId)} has no chemical element`);
  }
  const els = scene.entities.map((e) => normalizeElement(e.element!)!);
  let anyAbsent = false;
  for (let k = 0; k < scene.mask.length; k++) if (scene.mask[k] !== 1) anyAbsent = true;
  const props = `species:S:1:pos:R:3${anyAbsent ? ':mask:L:1' : ''}`;
  const dt = scene.frameInterval;
  const out: string[] = [];
  for (let f = 0; f < scene.frameCount; f++) {
    out.push(`${n}\nProperties=${props} frame=${scene.frameLabels[f]} dt=${dt.value} dt_unit=${dt.unit}\n`);
    for (let i = 0; i < n; i++) {
      const slot = f * n + i;
      const base = slot * d;
      const x = formatF32(scene.positions[base]);
      const y = formatF32(scene.positions[base + 1]);
      const z = d === 3 ? formatF32(scene.positions[base + 2]) : '0';
      out.push(`${els[i]} ${x} ${y} ${z}${anyAbsent ? (scene.mask[slot] === 1 ? ' T' : ' F') : ''}\n`);
    }
  }
  return out.join('');
}
