/**
 * ETH/UCY pedestrian text (Social-GAN layout): one row per observation, `frame_id ped_id x y`, separated by
 * tabs or spaces, no header; ids are often float-formatted ("780.0"); x, y in metres; 2.5 Hz (frame ids step
 * by 10 = 0.4 s).
 *
 * Decisions:
 * - 4 or 5 columns. The 5th column is a free-text group label: the SocialVAE NBA variant writes
 *   `frame agent x y PLAYER|BALL`. More columns are refused (a merged or corrupted line is likelier than a
 *   meaningful extra field). Every row must have the same column count as the first.
 * - Frame and entity ids must be finite decimal numbers (any value, not only integers); "12.0" and "12" are the
 *   same entity, whose sourceId is the canonical number text ("12").
 * - Rows may come in any order; frames are sorted. Gaps in frame ids on a regular grid are filled with empty
 *   frames so the time between scene frames is constant (see buildFrameGrid).
 * - Blank lines and lines starting with '#' are skipped, and so is a first line whose 4-5 fields are all
 *   non-numeric (a header such as `frame_id ped_id x y`).
 * - Entities are ordered by numeric id.
 * - Plain 4-column files: kind 'pedestrian', metres, 0.4 s per frame. Files whose groups are all PLAYER/BALL
 *   (any case; SportVU basketball): kind 'basketball', feet, 0.12 s per frame (the clock step measured in
 *   shared/data/nba/SOURCE.md), each entity's group upper-cased ("PLAYER", "BALL": the model's feature tokens).
 *   Other 5-column files keep each entity's group as written. Options override kind, unit and interval.
 * - An entity keeps one group for the whole file; a row that gives it another is refused.
 */

import { SceneParseError, SceneWriteError } from '../errors';
import type { Entity, FrameInterval, Scene, SceneKind } from '../scene';
import {
  F64Column,
  I32Column,
  LineCursor,
  buildFrameGrid,
  checkSceneSize,
  fitsF32,
  formatF32,
  isSpace,
  parseDecimal,
  quote,
} from './common';

export const ETHUCY_DEFAULT_INTERVAL: FrameInterval = { value: 0.4, unit: 's' };
export const SPORTVU_DEFAULT_INTERVAL: FrameInterval = { value: 0.12, unit: 's' };

export interface EthUcyOptions {
  frameInterval?: FrameInterval;
  lengthUnit?: string;
  kind?: SceneKind;
  /** Scene name; defaults to the file name. */
  name?: string;
}

const COLUMNS_EXPECTED = '4 columns "frame id x y" (or 5 with a group label), separated by tabs or spaces';
const MAX_FIELDS = 5;

export function readEthUcy(file: string, text: string, opts: EthUcyOptions = {}): Scene {
  const cur = new LineCursor(text);
  const starts = new Int32Array(MAX_FIELDS + 1);
  const ends = new Int32Array(MAX_FIELDS + 1);

  const frames = new F64Column();
  const ents = new I32Column();
  const xs = new F64Column();
  const ys = new F64Column();
  const lines = new I32Column();

  const idIndex = new Map<number, number>();
  const idValues: number[] = [];
  const groups: string[] = [];
  let columns = 0;
  let headerChecked = false;

  while (cur.advance()) {
    const { start, end } = cur;
    // Split on whitespace without allocating: record field boundaries only.
    let nf = 0;
    let i = start;
    while (i < end) {
      while (i < end && isSpace(text.charCodeAt(i))) i++;
      if (i >= end) break;
      if (nf > MAX_FIELDS) break;
      const s = i;
      while (i < end && !isSpace(text.charCodeAt(i))) i++;
      starts[nf] = s;
      ends[nf] = i;
      nf++;
    }
    if (nf === 0) continue;
    if (text.charCodeAt(starts[0]) === 35 /* # */) continue;
    const lineNo = cur.lineNo;
    if (!headerChecked) {
      headerChecked = true;
      // Some exports put a header ("frame_id ped_id x y") on the first line: no field of it is a number.
      let numeric = 0;
      for (let k = 0; k < Math.min(nf, 4); k++) if (!Number.isNaN(parseDecimal(text, starts[k], ends[k]))) numeric++;
      if (numeric === 0 && (nf === 4 || nf === 5)) continue;
    }
    if (nf < 4 || nf > MAX_FIELDS) {
      throw new SceneParseError(file, lineNo, `found ${nf > MAX_FIELDS ? 'more than 5' : nf} column${nf === 1 ? '' : 's'}`, COLUMNS_EXPECTED);
    }
    if (columns === 0) columns = nf;
    else if (nf !== columns) {
      throw new SceneParseError(file, lineNo, `found ${nf} columns but earlier rows have ${columns}`, `${columns} columns on every row`);
    }
    const frame = parseDecimal(text, starts[0], ends[0]);
    if (Number.isNaN(frame)) throw badNumber(file, lineNo, text, starts[0], ends[0], 'frame id (column 1)');
    const id = parseDecimal(text, starts[1], ends[1]);
    if (Number.isNaN(id)) throw badNumber(file, lineNo, text, starts[1], ends[1], 'entity id (column 2)');
    const x = parseDecimal(text, starts[2], ends[2]);
    if (Number.isNaN(x)) throw badNumber(file, lineNo, text, starts[2], ends[2], 'x coordinate (column 3)');
    const y = parseDecimal(text, starts[3], ends[3]);
    if (Number.isNaN(y)) throw badNumber(file, lineNo, text, starts[3], ends[3], 'y coordinate (column 4)');
    if (!fitsF32(x) || !fitsF32(y)) {
      throw new SceneParseError(file, lineNo, 'coordinate out of range', 'coordinates with magnitude below 3.4e38');
    }

    // -0 and 0 would be different Map keys only by ===, but Map uses SameValueZero, so they merge: good.
    let e = idIndex.get(id);
    const group = nf === 5 ? text.slice(starts[4], ends[4]) : '';
    if (e === undefined) {
      e = idValues.length;
      idIndex.set(id, e);
      idValues.push(id);
      groups.push(group);
    } else if (groups[e] !== group) {
      throw new SceneParseError(
        file,
        lineNo,
        `entity ${formatId(id)} is in group ${quote(group)} here but in ${quote(groups[e])} earlier`,
        'one group per entity (column 5)',
      );
    }
    frames.push(frame);
    ents.push(e);
    xs.push(x);
    ys.push(y);
    lines.push(lineNo);
  }

  if (frames.length === 0) {
    throw new SceneParseError(file, 0, 'file has no data rows', `rows of ${COLUMNS_EXPECTED}`);
  }

  const n = idValues.length;
  const order = idValues.map((_, k) => k).sort((a, b) => idValues[a] - idValues[b]);
  const finalIndex = new Int32Array(n);
  order.forEach((prov, k) => (finalIndex[prov] = k));

  const grid = buildFrameGrid(file, frames.data, frames.length, lines.data);
  const fCount = grid.labels.length;
  checkSceneSize(file, fCount, n, 2);

  const positions = new Float32Array(fCount * n * 2);
  const mask = new Uint8Array(fCount * n);
  for (let r = 0; r < frames.length; r++) {
    const f = grid.indexOf(frames.data[r]);
    const i = finalIndex[ents.data[r]];
    const slot = f * n + i;
    if (mask[slot] === 1) {
      const first = findFirstRow(frames, ents, r);
      throw new SceneParseError(
        file,
        lines.data[r],
        `entity ${formatId(idValues[ents.data[r]])} appears twice in frame ${formatId(frames.data[r])} (first on line ${lines.data[first]})`,
        'each entity at most once per frame',
      );
    }
    mask[slot] = 1;
    positions[slot * 2] = xs.data[r];
    positions[slot * 2 + 1] = ys.data[r];
  }

  const sportVu = columns === 5 && groups.every((g) => /^(player|ball)$/i.test(g));
  const entities = order.map((prov): Entity => {
    const sourceId = formatId(idValues[prov]);
    const g = sportVu ? groups[prov].toUpperCase() : groups[prov];
    if (g === '') return { sourceId, label: `ped ${sourceId}` };
    const label = g === 'BALL' && sportVu ? 'ball' : `${g.toLowerCase()} ${sourceId}`;
    return { sourceId, label, group: g };
  });

  return {
    name: opts.name ?? file,
    kind: opts.kind ?? (sportVu ? 'basketball' : 'pedestrian'),
    dim: 2,
    entities,
    frameCount: fCount,
    positions,
    mask,
    frameInterval: opts.frameInterval ?? (sportVu ? SPORTVU_DEFAULT_INTERVAL : ETHUCY_DEFAULT_INTERVAL),
    frameLabels: grid.labels,
    lengthUnit: opts.lengthUnit ?? (sportVu ? 'ft' : 'm'),
  };
}

/**
 * Writes the Social-GAN layout: tab-separated, float-formatted frame and entity ids ("780.0\t12.0\tx\ty"), rows
 * sorted by frame then entity; with a 5th column when the entities have groups (SportVU: PLAYER/BALL).
 * Requires a 2-D scene whose sourceIds are numbers; refuses what the format cannot hold (charges, a group on
 * only some entities, a group with blanks).
 */
export function writeEthUcy(scene: Scene): string {
  if (scene.dim !== 2) throw new SceneWriteError('ETH/UCY', `the format is 2-D but the scene has dim ${scene.dim}`);
  const n = scene.entities.length;
  const charged = scene.entities.find((e) => e.charge !== undefined);
  if (charged) throw new SceneWriteError('ETH/UCY', `entity ${quote(charged.sourceId)} has a charge, which the format cannot hold (write CSV or JSON)`);
  const grouped = scene.entities.some((e) => e.group !== undefined);
  const groupText = scene.entities.map((e) => {
    if (!grouped) return '';
    const g = e.group ?? '';
    if (g === '' || /\s/.test(g)) {
      throw new SceneWriteError('ETH/UCY', `entity ${quote(e.sourceId)} has group ${quote(g)}: in this format every entity needs a group, without blanks`);
    }
    return `\t${g}`;
  });
  const idText = scene.entities.map((e) => {
    const v = Number(e.sourceId);
    if (e.sourceId.trim() === '' || !Number.isFinite(v)) {
      throw new SceneWriteError('ETH/UCY', `entity id ${quote(e.sourceId)} is not a number`);
    }
    return floatFormatted(v);
  });
  const out: string[] = [];
  for (let f = 0; f < scene.frameCount; f++) {
    const frameText = floatFormatted(scene.frameLabels[f]);
    for (let i = 0; i < n; i++) {
      const slot = f * n + i;
      if (scene.mask[slot] !== 1) continue;
      out.push(`${frameText}\t${idText[i]}\t${formatF32(scene.positions[slot * 2])}\t${formatF32(scene.positions[slot * 2 + 1])}${groupText[i]}\n`);
    }
  }
  return out.join('');
}

function floatFormatted(v: number): string {
  const s = String(v);
  return Number.isInteger(v) && !s.includes('e') ? `${s}.0` : s;
}

function formatId(v: number): string {
  return String(v === 0 ? 0 : v);
}


function findFirstRow(frames: F64Column, ents: I32Column, r: number): number {
  for (let k = 0; k < r; k++) if (frames.data[k] === frames.data[r] && ents.data[k] === ents.data[r]) return k;
  return r;
}

function badNumber(file: string, lineNo: number, text: string, s: number, e: number, what: string): SceneParseError {
  return new SceneParseError(file, lineNo, `${quote(text.slice(s, e))} is not a number`, `a finite decimal ${what}`);
}
