/**
 * CSV tracks: a header naming the columns, then one row per observation.
 *
 * - Required columns (any order, names case-insensitive): frame, id, x, y; optional z (makes the scene 3-D),
 *   element (chemical symbol; makes it a molecule when every entity has one), charge (a decimal number, in
 *   elementary charges), group (text such as PLAYER or BALL), label. Other columns are ignored. An entity keeps
 *   one element, charge and group for the whole file; an empty field means "none".
 * - Comma-separated; fields may be double-quoted ("a,b", "say ""hi"""), but not span lines.
 * - frame, x, y, z must be finite decimal numbers. Ids are text; numeric ids are canonicalised ("12.0" = "12").
 * - Blank lines and lines starting with '#' are skipped. A comment `# lamslide key=value ...` before the header
 *   carries what the columns cannot (kind, length_unit, frame_interval, frame_interval_unit, name); the writer
 *   emits it so files round-trip. An unknown kind or unit, or an interval that is not a positive number, is
 *   refused. An interval without a unit is in simulation units for kind=nbody and refused otherwise.
 * - Kind when the comment does not name one: molecule when every entity has an element, basketball when every
 *   group is PLAYER or BALL (any case; written upper-case), nbody when every entity has a charge and none an
 *   element, else pedestrian (2-D) or generic (3-D). Length unit when not named: Å for molecules, ft for
 *   basketball, sim (simulation units) for nbody, else m.
 * - Entities are ordered by numeric id when all ids are numbers, else by first appearance. Frames as in ETH/UCY:
 *   sorted, regular gaps filled with empty frames.
 */

import { SceneParseError, SceneWriteError } from '../errors';
import { normalizeElement } from '../elements';
import type { Dim, Entity, FrameInterval, Scene, SceneKind } from '../scene';
import {
  F64Column,
  I32Column,
  LineCursor,
  buildFrameGrid,
  DEFAULT_LENGTH_UNIT,
  asSceneKind,
  asTimeUnit,
  checkSceneSize,
  fitsF32,
  formatNumber,
  formatF32,
  isBlankRange,
  isDecimal,
  isSpace,
  parseDecimal,
  parseDecimalString,
  quote,
  SCENE_KINDS,
  TIME_UNITS,
} from './common';

export interface CsvOptions {
  frameInterval?: FrameInterval;
  lengthUnit?: string;
  kind?: SceneKind;
  name?: string;
}

const HEADER_EXPECTED = 'a header with columns frame,id,x,y (optional z, element, charge, group, label)';
type Column = 'frame' | 'id' | 'x' | 'y' | 'z' | 'element' | 'charge' | 'group' | 'label';

/** `# lamslide` comment values with the line each came from, for error messages. */
type Meta = Record<string, { value: string; line: number }>;

interface Field {
  start: number;
  end: number;
  /** Unescaped text when the field was quoted; otherwise undefined and the text range is used. */
  value?: string;
}

export function readCsv(file: string, text: string, opts: CsvOptions = {}): Scene {
  const cur = new LineCursor(text);
  const meta: Meta = {};
  let col: Record<Column, number> | undefined;
  let width = 0;
  let fields: Field[] = [];

  const frames = new F64Column();
  const ents = new I32Column();
  const xs = new F64Column();
  const ys = new F64Column();
  const zs = new F64Column();
  const lines = new I32Column();
  const idIndex = new Map<string, number>();
  const ids: string[] = [];
  const elements: Array<string | undefined> = [];
  const charges: Array<number | undefined> = [];
  const groups: Array<string | undefined> = [];
  const labels: string[] = [];
  let allNumeric = true;

  while (cur.advance()) {
    const { start, end } = cur;
    if (isBlankRange(text, start, end)) continue;
    let s = start;
    while (isSpace(text.charCodeAt(s))) s++;
    if (text.charCodeAt(s) === 35 /* # */) {
      if (!col) readMetaComment(text.slice(s, end), cur.lineNo, meta);
      continue;
    }
    fields = splitCsvLine(file, cur.lineNo, text, start, end);
    if (!col) {
      col = readHeader(file, cur.lineNo, text, fields);
      width = fields.length;
      continue;
    }
    const lineNo = cur.lineNo;
    if (fields.length !== width) {
      throw new SceneParseError(file, lineNo, `found ${fields.length} columns`, `${width} columns as in the header`);
    }
    const num = (k: number, what: string): number => {
      const fd = fields[k];
      const v = fd.value === undefined ? parseTrimmed(text, fd.start, fd.end) : parseTrimmed(fd.value, 0, fd.value.length);
      if (Number.isNaN(v)) {
        throw new SceneParseError(file, lineNo, `${quote(fieldText(text, fd).trim())} is not a number`, `a finite decimal ${what}`);
      }
      return v;
    };
    const frame = num(col.frame, 'frame');
    const x = num(col.x, 'x');
    const y = num(col.y, 'y');
    const z = col.z >= 0 ? num(col.z, 'z') : 0;
    if (!fitsF32(x) || !fitsF32(y) || !fitsF32(z)) {
      throw new SceneParseError(file, lineNo, 'coordinate out of range', 'coordinates with magnitude below 3.4e38');
    }
    let id = fieldText(text, fields[col.id]).trim();
    if (id === '') throw new SceneParseError(file, lineNo, 'empty id', 'a non-empty id');
    if (isDecimal(id, 0, id.length)) {
      const v = Number(id);
      if (Number.isFinite(v)) id = String(v === 0 ? 0 : v);
    } else {
      allNumeric = false;
    }
    let e = idIndex.get(id);
    const elementText = col.element >= 0 ? fieldText(text, fields[col.element]).trim() : '';
    let element: string | undefined;
    if (elementText !== '') {
      element = normalizeElement(elementText);
      if (!element) {
        throw new SceneParseError(file, lineNo, `unknown element ${quote(elementText)}`, 'a chemical element symbol such as C, N, O, Cl');
      }
    }
    let charge: number | undefined;
    if (col.charge >= 0 && fieldText(text, fields[col.charge]).trim() !== '') {
      charge = num(col.charge, 'charge');
      if (charge === 0) charge = 0; // -0 and 0 are one charge
    }
    const groupText = col.group >= 0 ? fieldText(text, fields[col.group]).trim() : '';
    const group = groupText === '' ? undefined : groupText;
    if (e === undefined) {
      e = ids.length;
      idIndex.set(id, e);
      ids.push(id);
      elements.push(element);
      charges.push(charge);
      groups.push(group);
      labels.push(col.label >= 0 ? fieldText(text, fields[col.label]).trim() : '');
    } else {
      const clash = (what: string, here: string | number | undefined, before: string | number | undefined) => {
        throw new SceneParseError(
          file,
          lineNo,
          `entity ${quote(id)} has ${what} ${here ?? '(none)'} here but ${before ?? '(none)'} earlier`,
          `one ${what} per entity`,
        );
      };
      if (elements[e] !== element) clash('element', element, elements[e]);
      if (charges[e] !== charge) clash('charge', charge, charges[e]);
      if (groups[e] !== group) clash('group', group, groups[e]);
    }
    frames.push(frame);
    ents.push(e);
    xs.push(x);
    ys.push(y);
    zs.push(z);
    lines.push(lineNo);
  }

  if (!col) throw new SceneParseError(file, 0, 'file has no header', HEADER_EXPECTED);
  if (frames.length === 0) throw new SceneParseError(file, 0, 'file has no data rows', 'at least one row after the header');

  const dim: Dim = col.z >= 0 ? 3 : 2;
  const n = ids.length;
  const order = ids.map((_, k) => k);
  if (allNumeric) order.sort((a, b) => Number(ids[a]) - Number(ids[b]));
  const finalIndex = new Int32Array(n);
  order.forEach((prov, k) => (finalIndex[prov] = k));

  const grid = buildFrameGrid(file, frames.data, frames.length, lines.data);
  const fCount = grid.labels.length;
  checkSceneSize(file, fCount, n, dim);
  const positions = new Float32Array(fCount * n * dim);
  const mask = new Uint8Array(fCount * n);
  for (let r = 0; r < frames.length; r++) {
    const f = grid.indexOf(frames.data[r]);
    const slot = f * n + finalIndex[ents.data[r]];
    if (mask[slot] === 1) {
      throw new SceneParseError(
        file,
        lines.data[r],
        `entity ${quote(ids[ents.data[r]])} appears twice in frame ${frames.data[r]}`,
        'each entity at most once per frame',
      );
    }
    mask[slot] = 1;
    positions[slot * dim] = xs.data[r];
    positions[slot * dim + 1] = ys.data[r];
    if (dim === 3) positions[slot * dim + 2] = zs.data[r];
  }

  const basketball = n > 0 && groups.every((g) => g !== undefined && /^(player|ball)$/i.test(g));
  const entities = order.map((prov): Entity => {
    const el = elements[prov];
    const label = labels[prov] || (el ? `${el}${ids[prov]}` : `${dim === 2 ? 'agent' : 'entity'} ${ids[prov]}`);
    const e: Entity = { sourceId: ids[prov], label };
    if (el) e.element = el;
    if (charges[prov] !== undefined) e.charge = charges[prov];
    const g = groups[prov];
    if (g !== undefined) e.group = basketball ? g.toUpperCase() : g;
    return e;
  });
  const molecule = n > 0 && entities.every((e) => e.element !== undefined);
  const nbody = n > 0 && entities.every((e) => e.charge !== undefined && e.element === undefined);

  const kind: SceneKind =
    opts.kind ?? metaKind(file, meta) ?? (molecule ? 'molecule' : basketball ? 'basketball' : nbody ? 'nbody' : dim === 2 ? 'pedestrian' : 'generic');
  const lengthUnit = opts.lengthUnit ?? meta.length_unit?.value ?? DEFAULT_LENGTH_UNIT[kind];
  const interval: FrameInterval = opts.frameInterval ?? metaInterval(file, meta, kind) ?? { value: 1, unit: 'frame' };

  return {
    name: opts.name ?? meta.name?.value ?? file,
    kind,
    dim,
    entities,
    frameCount: fCount,
    positions,
    mask,
    frameInterval: interval,
    frameLabels: grid.labels,
    lengthUnit,
  };
}

function metaKind(file: string, meta: Meta): SceneKind | undefined {
  const m = meta.kind;
  if (m === undefined) return undefined;
  const k = asSceneKind(m.value);
  if (!k) throw new SceneParseError(file, m.line, `unknown kind=${quote(m.value)}`, `kind= one of ${SCENE_KINDS.join(', ')}`);
  return k;
}

function metaInterval(file: string, meta: Meta, kind: SceneKind): FrameInterval | undefined {
  const v = meta.frame_interval;
  const u = meta.frame_interval_unit;
  let unit = u === undefined ? undefined : asTimeUnit(u.value);
  if (u !== undefined && !unit) {
    throw new SceneParseError(file, u.line, `unknown frame_interval_unit=${quote(u.value)}`, `frame_interval_unit= one of ${TIME_UNITS.join(', ')}`);
  }
  if (v === undefined) {
    if (u !== undefined && unit !== 'frame') {
      throw new SceneParseError(file, u.line, `frame_interval_unit=${u.value} without frame_interval`, 'frame_interval=<number> beside its unit');
    }
    return undefined;
  }
  const value = parseDecimalString(v.value);
  if (!(value > 0)) {
    throw new SceneParseError(file, v.line, `frame_interval=${quote(v.value)} is not a positive number`, 'frame_interval=<positive decimal>');
  }
  if (!unit) {
    // The N-body system has no physical units: an interval without a unit is in simulation time.
    if (kind !== 'nbody') {
      throw new SceneParseError(file, v.line, `frame_interval=${v.value} has no unit`, `frame_interval_unit= one of ${TIME_UNITS.join(', ')} beside it`);
    }
    unit = 'sim';
  }
  return { value, unit };
}

function parseTrimmed(s: string, a: number, b: number): number {
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return parseDecimal(s, a, b);
}

function fieldText(text: string, f: Field): string {
  return f.value ?? text.slice(f.start, f.end);
}

function readMetaComment(line: string, lineNo: number, meta: Meta): void {
  const m = /^#\s*lamslide\s+(.*)$/.exec(line);
  if (!m) return;
  for (const tok of m[1].trim().split(/\s+/)) {
    const eq = tok.indexOf('=');
    if (eq > 0) meta[tok.slice(0, eq)] = { value: decodeURIComponent(safeDecode(tok.slice(eq + 1))), line: lineNo };
  }
}

function safeDecode(s: string): string {
  // The writer percent-encodes values; a hand-edited bad escape must not throw a URIError out of the reader.
  try {
    decodeURIComponent(s);
    return s;
  } catch {
    return encodeURIComponent(s);
  }
}

function readHeader(
  file: string,
  lineNo: number,
  text: string,
  fields: Field[],
): Record<Column, number> {
  const col: Record<Column, number> = { frame: -1, id: -1, x: -1, y: -1, z: -1, element: -1, charge: -1, group: -1, label: -1 };
  fields.forEach((f, k) => {
    const name = fieldText(text, f).trim().toLowerCase();
    if (name in col) {
      const key = name as keyof typeof col;
      if (col[key] >= 0) throw new SceneParseError(file, lineNo, `column ${quote(name)} appears twice in the header`, HEADER_EXPECTED);
      col[key] = k;
    }
  });
  const missing = (['frame', 'id', 'x', 'y'] as const).filter((k) => col[k] < 0);
  if (missing.length > 0) {
    throw new SceneParseError(file, lineNo, `header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, HEADER_EXPECTED);
  }
  return col;
}

function splitCsvLine(file: string, lineNo: number, text: string, start: number, end: number): Field[] {
  const out: Field[] = [];
  let i = start;
  for (;;) {
    let s = i;
    while (s < end && isSpace(text.charCodeAt(s))) s++;
    if (s < end && text.charCodeAt(s) === 34 /* " */) {
      let value = '';
      let k = s + 1;
      let closed = false;
      while (k < end) {
        const c = text.charCodeAt(k);
        if (c === 34) {
          if (k + 1 < end && text.charCodeAt(k + 1) === 34) {
            value += '"';
            k += 2;
            continue;
          }
          closed = true;
          k++;
          break;
        }
        value += text[k];
        k++;
      }
      if (!closed) throw new SceneParseError(file, lineNo, 'unterminated quoted field', 'a closing " on the same line');
      while (k < end && isSpace(text.charCodeAt(k))) k++;
      if (k < end && text.charCodeAt(k) !== 44) {
        throw new SceneParseError(file, lineNo, 'text after a closing quote', 'a comma after a quoted field');
      }
      out.push({ start: s, end: k, value });
      if (k >= end) return out;
      i = k + 1;
    } else {
      let k = i;
      while (k < end && text.charCodeAt(k) !== 44) k++;
      out.push({ start: i, end: k });
      if (k >= end) return out;
      i = k + 1;
    }
  }
}

/**
 * Writes `frame,id,x,y[,z][,element][,charge][,group],label` rows for present entries, after a `# lamslide`
 * metadata comment.
 */
export function writeCsv(scene: Scene): string {
  const n = scene.entities.length;
  const d = scene.dim;
  const hasElement = scene.entities.some((e) => e.element !== undefined);
  const hasCharge = scene.entities.some((e) => e.charge !== undefined);
  const hasGroup = scene.entities.some((e) => e.group !== undefined);
  const badCharge = scene.entities.find((e) => e.charge !== undefined && !Number.isFinite(e.charge));
  if (badCharge) throw new SceneWriteError('CSV', `entity ${quote(badCharge.sourceId)} has charge ${badCharge.charge}`);
  const interval = scene.frameInterval;
  if (!(interval.value > 0)) throw new SceneWriteError('CSV', 'frame interval must be positive');
  const meta = [
    `kind=${scene.kind}`,
    `length_unit=${encodeURIComponent(scene.lengthUnit)}`,
    `frame_interval=${interval.value}`,
    `frame_interval_unit=${interval.unit}`,
    `name=${encodeURIComponent(scene.name)}`,
  ];
  const header = [
    'frame', 'id', 'x', 'y',
    ...(d === 3 ? ['z'] : []),
    ...(hasElement ? ['element'] : []),
    ...(hasCharge ? ['charge'] : []),
    ...(hasGroup ? ['group'] : []),
    'label',
  ];
  const out: string[] = [`# lamslide ${meta.join(' ')}\n`, header.join(',') + '\n'];
  const idText = scene.entities.map((e) => csvField(e.sourceId));
  const tail = scene.entities.map(
    (e) =>
      (hasElement ? `,${e.element ?? ''}` : '') +
      (hasCharge ? `,${e.charge === undefined ? '' : formatNumber(e.charge)}` : '') +
      (hasGroup ? `,${csvField(e.group ?? '')}` : '') +
      `,${csvField(e.label)}`,
  );
  for (let f = 0; f < scene.frameCount; f++) {
    const frameText = String(scene.frameLabels[f]);
    for (let i = 0; i < n; i++) {
      const slot = f * n + i;
      if (scene.mask[slot] !== 1) continue;
      let row = `${frameText},${idText[i]}`;
      for (let k = 0; k < d; k++) row += `,${formatF32(scene.positions[slot * d + k])}`;
      out.push(row + tail[i] + '\n');
    }
  }
  return out.join('');
}

function csvField(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ');
  if (/[",]/.test(flat) || flat !== flat.trim() || flat.startsWith('#')) return `"${flat.replace(/"/g, '""')}"`;
  return flat;
}
