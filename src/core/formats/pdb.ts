/**
 * PDB coordinate files (fixed columns), one frame per model.
 *
 * - ATOM and HETATM records are read from their fixed columns: name 13-16, altLoc 17, resName 18-20, chain 22,
 *   resSeq 23-26, x 31-38, y 39-46, z 47-54, element 77-78. Lines may stop after column 54.
 * - Element from columns 77-78; when blank, inferred from the atom name (see inferElementFromAtomName).
 * - Frames are separated by MODEL, ENDMDL or END records; MODEL without ENDMDL, and ENDMDL without MODEL (as in
 *   MDTraj output) are accepted. Every frame must list the same atoms in the same order.
 * - Alternate locations: atoms with a blank altLoc, or with the first altLoc letter seen in the file, are kept;
 *   other conformers are skipped (otherwise one atom would be counted twice).
 * - Everything else (CONECT, REMARK, CRYST1, TER, ANISOU, ...) is ignored.
 * Frame labels are the MODEL serial numbers when every frame has one and they increase, else 1..F.
 */

import { SceneParseError, SceneWriteError } from '../errors';
import { inferElementFromAtomName, normalizeElement } from '../elements';
import type { FrameInterval, Scene } from '../scene';
import { LineCursor, checkSceneSize, fitsF32, parseDecimal, quote } from './common';

export interface PdbOptions {
  name?: string;
  frameInterval?: FrameInterval;
}

interface AtomInfo {
  name: string;
  resName: string;
  resSeq: string;
  chain: string;
  element: string;
}

const COORD_EXPECTED = 'x, y, z as decimals in columns 31-38, 39-46, 47-54';

export function readPdb(file: string, text: string, opts: PdbOptions = {}): Scene {
  const cur = new LineCursor(text);
  let atoms: AtomInfo[] | undefined;
  const frames: Float32Array[] = [];
  const modelSerials: Array<number | undefined> = [];
  const firstLineOfFrame: number[] = [];

  let coords: number[] = [];
  let info: AtomInfo[] = [];
  let lines: number[] = [];
  let serial: number | undefined;
  let altKeep = '';

  const close = (lineNo: number) => {
    if (coords.length === 0) return;
    const nAtoms = coords.length / 3;
    if (!atoms) {
      atoms = info;
    } else {
      if (nAtoms !== atoms.length) {
        throw new SceneParseError(
          file,
          lineNo,
          `model ${frames.length + 1} has ${nAtoms} atoms but model 1 (line ${firstLineOfFrame[0]}) has ${atoms.length}`,
          `${atoms.length} atoms in every model`,
        );
      }
      for (let i = 0; i < nAtoms; i++) {
        const a = atoms[i];
        const b = info[i];
        if (a.name !== b.name || a.resName !== b.resName || a.resSeq !== b.resSeq || a.chain !== b.chain || a.element !== b.element) {
          throw new SceneParseError(
            file,
            lines[i],
            `atom ${i + 1} of model ${frames.length + 1} is ${quote(atomLabel(b))} but ${quote(atomLabel(a))} in model 1`,
            'the same atoms in the same order in every model',
          );
        }
      }
    }
    checkSceneSize(file, frames.length + 1, nAtoms, 3);
    frames.push(Float32Array.from(coords));
    firstLineOfFrame.push(lines[0]);
    modelSerials.push(serial);
    coords = [];
    info = [];
    lines = [];
    serial = undefined;
  };

  while (cur.advance()) {
    const line = cur.line();
    const rec = line.slice(0, 6).trimEnd().toUpperCase();
    const lineNo = cur.lineNo;
    if (rec === 'ATOM' || rec === 'HETATM') {
      const alt = line.length > 16 ? line[16] : ' ';
      if (alt !== ' ') {
        if (altKeep === '') altKeep = alt;
        else if (alt !== altKeep) continue;
      }
      if (line.length < 54) {
        throw new SceneParseError(file, lineNo, `${rec} record is ${line.length} characters long`, `${COORD_EXPECTED} (at least 54 characters)`);
      }
      for (let k = 0; k < 3; k++) {
        const s = 30 + 8 * k;
        const field = line.slice(s, s + 8).trim();
        const v = parseDecimal(field, 0, field.length);
        if (Number.isNaN(v)) {
          throw new SceneParseError(
            file,
            lineNo,
            `${'xyz'[k]} coordinate ${quote(field)} in columns ${s + 1}-${s + 8} is not a number`,
            COORD_EXPECTED,
          );
        }
        // "8.E50" is a finite double but overflows the float32 positions to Infinity
        if (!fitsF32(v)) {
          throw new SceneParseError(
            file,
            lineNo,
            `${'xyz'[k]} coordinate ${quote(field)} in columns ${s + 1}-${s + 8} is out of range`,
            'a coordinate with magnitude below 3.4e38',
          );
        }
        coords.push(v);
      }
      const rawName = line.slice(12, 16);
      const resName = line.slice(17, 20).trim();
      const elField = line.length > 76 ? line.slice(76, 78).trim() : '';
      let element: string | undefined;
      if (elField !== '') {
        element = normalizeElement(elField);
        if (!element) {
          throw new SceneParseError(file, lineNo, `unknown element ${quote(elField)} in columns 77-78`, 'an element symbol such as C, N, O, FE');
        }
      } else {
        element = inferElementFromAtomName(rawName, { hetero: rec === 'HETATM', resName });
        if (!element) {
          throw new SceneParseError(
            file,
            lineNo,
            `no element in columns 77-78 and none can be read from atom name ${quote(rawName)}`,
            'an element symbol in columns 77-78 or a standard atom name in columns 13-16',
          );
        }
      }
      info.push({ name: rawName.trim(), resName, resSeq: line.slice(22, 26).trim(), chain: line.slice(21, 22).trim(), element });
      lines.push(lineNo);
    } else if (rec === 'MODEL') {
      close(lineNo);
      const s = line.slice(6).trim();
      serial = /^-?\d+$/.test(s) ? Number(s) : undefined;
    } else if (rec === 'ENDMDL' || rec === 'END') {
      close(lineNo);
    }
  }
  close(cur.lineNo);

  if (!atoms || frames.length === 0) {
    throw new SceneParseError(file, 0, 'file has no ATOM or HETATM records', 'ATOM/HETATM records with coordinates');
  }
  const finalAtoms: AtomInfo[] = atoms;
  const n = finalAtoms.length;
  const fCount = frames.length;
  const positions = new Float32Array(fCount * n * 3);
  frames.forEach((fr, f) => positions.set(fr, f * n * 3));
  const mask = new Uint8Array(fCount * n).fill(1);

  let frameLabels: number[] = Array.from({ length: fCount }, (_, f) => f + 1);
  if (modelSerials.every((s, f) => s !== undefined && (f === 0 || s > modelSerials[f - 1]!))) {
    frameLabels = modelSerials as number[];
  }

  return {
    name: opts.name ?? file,
    kind: 'molecule',
    dim: 3,
    entities: finalAtoms.map((a, i) => ({ sourceId: String(i), label: atomLabel(a), element: a.element })),
    frameCount: fCount,
    positions,
    mask,
    frameInterval: opts.frameInterval ?? { value: 1, unit: 'frame' },
    frameLabels,
    lengthUnit: 'Å',
  };
}

function atomLabel(a: AtomInfo): string {
  return [a.name, a.resName, a.resSeq].filter((s) => s !== '').join(' ');
}

/**
 * Writes MODEL/ENDMDL blocks with ATOM records in standard columns (readable by PyMOL, VMD, MDTraj, Biopython)
 * and a final END. Atom and residue names come from labels of the form "CA ALA 2" (as the reader makes them);
 * other labels give name = element, residue "MOL" 1. Coordinates are written with 3 decimals (PDB precision).
 * Needs an element for every entity, every atom present, and coordinates within the 8.3f field; refuses entity
 * charges and groups, which this writer does not carry (XYZ, CSV and JSON do), rather than drop them.
 */
export function writePdb(scene: Scene): string {
  const n = scene.entities.length;
  const d = scene.dim;
  const extra = scene.entities.find((e) => e.charge !== undefined || e.group !== undefined);
  if (extra) {
    throw new SceneWriteError('PDB', `entity ${quote(extra.sourceId)} has a ${extra.charge !== undefined ? 'charge' : 'group'}, which PDB output does not carry; write XYZ, CSV or JSON instead`);
  }
  for (let k = 0; k < scene.mask.length; k++) {
    if (scene.mask[k] !== 1) throw new SceneWriteError('PDB', 'PDB cannot mark absent atoms; write XYZ or JSON instead');
  }
  const prefix = scene.entities.map((e, i) => {
    const el = e.element ? normalizeElement(e.element) : undefined;
    if (!el) throw new SceneWriteError('PDB', `entity ${quote(e.sourceId)} has no chemical element`);
    const m = /^(\S{1,4}) (\S{1,3}) (-?\d{1,4})$/.exec(e.label);
    const name = m ? m[1] : el;
    const resName = m ? m[2] : 'MOL';
    const resSeq = m ? Number(m[3]) : 1;
    // One-letter elements start in column 14, two-letter ones (and 4-character names) in column 13.
    const nameField = (name.length < 4 && el.length === 1 ? ` ${name}` : name).padEnd(4);
    const serial = String((i + 1) % 100000).padStart(5);
    return {
      head: `ATOM  ${serial} ${nameField} ${resName.padStart(3)} A${String(resSeq).padStart(4)}    `,
      tail: `  1.00  0.00          ${el.toUpperCase().padStart(2)}`,
    };
  });
  const out: string[] = [];
  for (let f = 0; f < scene.frameCount; f++) {
    out.push(`MODEL     ${String(f + 1).padStart(4)}\n`);
    for (let i = 0; i < n; i++) {
      const base = (f * n + i) * d;
      let xyz = '';
      for (let k = 0; k < 3; k++) {
        const v = k < d ? scene.positions[base + k] : 0;
        const s = v.toFixed(3);
        if (s.length > 8) throw new SceneWriteError('PDB', `coordinate ${s} does not fit the 8-character PDB field`);
        xyz += s.padStart(8);
      }
      out.push(prefix[i].head + xyz + prefix[i].tail + '\n');
    }
    out.push('ENDMDL\n');
  }
  out.push('END\n');
  return out.join('');
}
