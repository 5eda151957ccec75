/**
 * XYZ and extended XYZ, multi-frame. Each frame: an atom count line, a comment line, then one line per atom.
 *
 * - Plain XYZ atom lines: `species x y z [more columns ignored]`; species is an element symbol in any case
 *   ("C", "cl") or an atomic number ("6").
 * - Extended XYZ: when the comment line holds `Properties=name:type:count:...` (types S, R, I, L), atom lines
 *   must have exactly the declared columns; `pos:R:3` is required, and so is `species:S:1` (or `Z:I:1`) unless
 *   the file is not a molecule (particles of an N-body system have no element). Other key=value pairs (Lattice,
 *   Time, pbc, energy...) are read only for what the scene can hold: `frame=` gives frame labels, `dt=`/`dt_unit=`
 *   the frame interval (the writer emits both), `kind=` and `length_unit=` what the first frame says (the writer
 *   emits them when they are not the molecule defaults). Per-atom properties: `mask:L:1` marks absent atoms
 *   (the writer emits it only when some atom is absent), `charge:R:1` or `charge:I:1` the charge and
 *   `group:S:1` the group of each entity, the same in every frame.
 * - Every frame must have the same atom count and the same element order (it is one molecule over time).
 * - Blank lines before a count line are skipped (some tools separate frames with them).
 * Kind: `kind=` when given, else molecule when there are elements, nbody when there are charges, else generic.
 * Length unit: `length_unit=` when given, else Å for molecules and simulation units ("sim") for N-body;
 * an N-body file's `dt=` without `dt_unit=` is in simulation time.
 */

import { SceneParseError, SceneWriteError } from '../errors';
import { elementByNumber, normalizeElement } from '../elements';
import type { Entity, FrameInterval, Scene, SceneKind } from '../scene';
import {
  DEFAULT_LENGTH_UNIT,
  LineCursor,
  SCENE_KINDS,
  TIME_UNITS,
  asSceneKind,
  asTimeUnit,
  checkSceneSize,
  fitsF32,
  formatF32,
  isBlankRange,
  isSpace,
  parseDecimal,
  parseDecimalString,
  formatNumber,
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
  chargeCol: number;
  chargeIsInteger: boolean;
  groupCol: number;
}

const PLAIN_LAYOUT: FrameLayout = {
  width: -1, speciesCol: 0, speciesIsNumber: false, posCol: 1, maskCol: -1, chargeCol: -1, chargeIsInteger: false, groupCol: -1,
};
const MAX_ATOMS = 10_000_000;

export function readXyz(file: string, text: string, opts: XyzOptions = {}): Scene {
  const cur = new LineCursor(text);
  let n = -1;
  const elements: Array<string | undefined> = [];
  const charges: Array<number | undefined> = [];
  const groups: Array<string | undefined> = [];
  let kind: SceneKind | undefined;
  let lengthUnit: string | undefined;
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
    const first = frameBlocks.length === 0;
    if (first && kv !== undefined) {
      if (kv.kind !== undefined) {
        kind = asSceneKind(kv.kind);
        if (!kind) throw new SceneParseError(file, commentLine, `unknown kind=${quote(kv.kind)}`, `kind= one of ${SCENE_KINDS.join(', ')}`);
      }
      if (kv.length_unit !== undefined) lengthUnit = kv.length_unit;
      if (kv.dt_unit !== undefined && !asTimeUnit(kv.dt_unit)) {
        throw new SceneParseError(file, commentLine, `unknown dt_unit=${quote(kv.dt_unit)}`, `dt_unit= one of ${TIME_UNITS.join(', ')}`);
      }
      if (kv.dt !== undefined) {
        const dt = parseDecimalString(kv.dt);
        if (!(dt > 0)) throw new SceneParseError(file, commentLine, `dt=${quote(kv.dt)} is not a positive number`, 'dt=<positive decimal>');
        const unit = asTimeUnit(kv.dt_unit) ?? (kind === 'nbody' ? 'sim' : undefined);
        if (unit) interval = { value: dt, unit };
      }
    }
    if (layout.speciesCol < 0 && kind === 'molecule') {
      throw new SceneParseError(file, commentLine, 'kind=molecule but Properties= has no species', 'species:S:1 (or Z:I:1) in Properties= for a molecule');
    }

    const pos = new Float32Array(n * 3);
    const mask = new Uint8Array(n).fill(1);
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
      let el: string | undefined;
      if (layout.speciesCol >= 0) {
        const sp = text.slice(fieldStarts[layout.speciesCol], fieldEnds[layout.speciesCol]);
        el = speciesToElement(sp, layout.speciesIsNumber);
        if (!el) {
          throw new SceneParseError(file, lineNo, `unknown element ${quote(sp)}`, layout.speciesIsNumber ? 'an atomic number' : 'an element symbol such as C, N, O, Cl');
        }
      }
      let charge: number | undefined;
      if (layout.chargeCol >= 0) {
        const c = layout.chargeCol;
        const t = text.slice(fieldStarts[c], fieldEnds[c]);
        charge = layout.chargeIsInteger ? (/^[-+]?\d+$/.test(t) ? Number(t) : NaN) : parseDecimal(text, fieldStarts[c], fieldEnds[c]);
        if (!Number.isFinite(charge)) {
          throw new SceneParseError(file, lineNo, `charge ${quote(t)} is not a number`, `${layout.chargeIsInteger ? 'an integer' : 'a decimal'} charge in column ${c + 1}`);
        }
        if (charge === 0) charge = 0; // no -0
      }
      const group = layout.groupCol >= 0 ? text.slice(fieldStarts[layout.groupCol], fieldEnds[layout.groupCol]) : undefined;
      if (first) {
        elements.push(el);
        charges.push(charge);
        groups.push(group);
      } else {
        const clash = (what: string, here: unknown, before: unknown, expected: string) => {
          throw new SceneParseError(file, lineNo, `atom ${i + 1} is ${what}${String(here)} in frame ${frameBlocks.length + 1} but ${String(before)} in frame 1`, expected);
        };
        if (elements[i] !== el) clash('', el, elements[i], 'the same element order in every frame');
        if (charges[i] !== charge) clash('charge ', charge, charges[i], 'the same charge for an atom in every frame');
        if (groups[i] !== group) clash('group ', group, groups[i], 'the same group for an atom in every frame');
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
  const entities = elements.map((el, i): Entity => {
    const e: Entity = { sourceId: String(i), label: el ? `${el}${i}` : `particle ${i}` };
    if (el) e.element = el;
    if (charges[i] !== undefined) e.charge = charges[i];
    if (groups[i] !== undefined) e.group = groups[i];
    return e;
  });
  const sceneKind: SceneKind = kind ?? (elements[0] !== undefined ? 'molecule' : charges[0] !== undefined ? 'nbody' : 'generic');
  return {
    name: opts.name ?? file,
    kind: sceneKind,
    dim: 3,
    entities,
    frameCount: fCount,
    positions,
    mask,
    frameInterval: opts.frameInterval ?? interval ?? { value: 1, unit: 'frame' },
    frameLabels,
    lengthUnit: opts.lengthUnit ?? lengthUnit ?? DEFAULT_LENGTH_UNIT[sceneKind],
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
  const layout: FrameLayout = { ...PLAIN_LAYOUT, width: 0, speciesCol: -1, posCol: -1 };
  for (const p of props) {
    const lname = p.name.toLowerCase();
    if (lname === 'species' && p.type === 'S' && p.count === 1) layout.speciesCol = col;
    else if (lname === 'z' && p.type === 'I' && p.count === 1 && layout.speciesCol < 0) {
      layout.speciesCol = col;
      layout.speciesIsNumber = true;
    } else if (lname === 'pos' && p.type === 'R' && p.count === 3) layout.posCol = col;
    else if (lname === 'mask' && p.type === 'L' && p.count === 1) layout.maskCol = col;
    else if (lname === 'charge' && (p.type === 'R' || p.type === 'I') && p.count === 1) {
      layout.chargeCol = col;
      layout.chargeIsInteger = p.type === 'I';
    } else if (lname === 'group' && p.type === 'S' && p.count === 1) layout.groupCol = col;
    col += p.count;
  }
  layout.width = col;
  if (layout.posCol < 0) throw new SceneParseError(file, lineNo, `Properties=${quote(spec)} lacks pos:R:3`, expected);
  if (layout.speciesCol < 0 && layout.chargeCol < 0 && layout.groupCol < 0) {
    // Without species, charge or group the atoms would be bare points: likelier a broken header than a scene.
    throw new SceneParseError(file, lineNo, `Properties=${quote(spec)} lacks species:S:1`, expected);
  }
  return layout;
}

/**
 * Writes extended XYZ (a plain XYZ reader still sees "element x y z" lines for molecules, because species and pos
 * come first). Species are written when every entity has an element and left out when none has (N-body
 * particles); charge and group columns when entities have them; `kind=` and `length_unit=` when they differ from
 * what the reader would assume. 2-D scenes are written with z = 0.
 */
export function writeXyz(scene: Scene): string {
  const n = scene.entities.length;
  const d = scene.dim;
  const withElement = scene.entities.filter((e) => e.element !== undefined).length;
  const missing = scene.entities.findIndex((e) => (withElement > 0 || scene.kind === 'molecule' ? !e.element || !normalizeElement(e.element) : false));
  if (missing >= 0) {
    throw new SceneWriteError('XYZ', `entity ${quote(scene.entities[missing].sourceId)} has no chemical element`);
  }
  const hasCharge = scene.entities.some((e) => e.charge !== undefined);
  const hasGroup = scene.entities.some((e) => e.group !== undefined);
  if (withElement === 0 && !hasCharge && !hasGroup) {
    throw new SceneWriteError('XYZ', 'the entities have no element, charge or group: XYZ needs one of them');
  }
  for (const e of scene.entities) {
    if (hasCharge && (e.charge === undefined || !Number.isFinite(e.charge))) {
      throw new SceneWriteError('XYZ', `entity ${quote(e.sourceId)} has charge ${String(e.charge)}: every entity needs a finite charge`);
    }
    if (hasGroup && (e.group === undefined || e.group === '' || /\s/.test(e.group))) {
      throw new SceneWriteError('XYZ', `entity ${quote(e.sourceId)} has group ${quote(String(e.group))}: every entity needs a group without blanks`);
    }
  }
  const els = withElement > 0 ? scene.entities.map((e) => normalizeElement(e.element!)!) : undefined;
  const integerCharges = scene.entities.every((e) => e.charge === undefined || Number.isInteger(e.charge));
  let anyAbsent = false;
  for (let k = 0; k < scene.mask.length; k++) if (scene.mask[k] !== 1) anyAbsent = true;
  const props = [
    ...(els ? ['species:S:1'] : []),
    'pos:R:3',
    ...(hasCharge ? [`charge:${integerCharges ? 'I' : 'R'}:1`] : []),
    ...(hasGroup ? ['group:S:1'] : []),
    ...(anyAbsent ? ['mask:L:1'] : []),
  ].join(':');
  const readerKind: SceneKind = els ? 'molecule' : hasCharge ? 'nbody' : 'generic';
  const extra =
    (scene.kind !== readerKind ? ` kind=${scene.kind}` : '') +
    (scene.lengthUnit !== DEFAULT_LENGTH_UNIT[scene.kind] ? ` length_unit=${commentValue(scene.lengthUnit)}` : '');
  const tail = scene.entities.map(
    (e) => (hasCharge ? ` ${formatNumber(e.charge!)}` : '') + (hasGroup ? ` ${e.group!}` : ''),
  );
  const dt = scene.frameInterval;
  const out: string[] = [];
  for (let f = 0; f < scene.frameCount; f++) {
    out.push(`${n}\nProperties=${props} frame=${scene.frameLabels[f]} dt=${dt.value} dt_unit=${dt.unit}${extra}\n`);
    for (let i = 0; i < n; i++) {
      const slot = f * n + i;
      const base = slot * d;
      const x = formatF32(scene.positions[base]);
      const y = formatF32(scene.positions[base + 1]);
      const z = d === 3 ? formatF32(scene.positions[base + 2]) : '0';
      out.push(`${els ? `${els[i]} ` : ''}${x} ${y} ${z}${tail[i]}${anyAbsent ? (scene.mask[slot] === 1 ? ' T' : ' F') : ''}\n`);
    }
  }
  return out.join('');
}

/** A comment-line value, double-quoted (with \\ escapes) when it holds blanks, quotes or braces. */
function commentValue(v: string): string {
  return v !== '' && !/[\s"{}\\=]/.test(v) ? v : `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
