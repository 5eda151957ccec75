/**
 * Pieces shared by the scene readers and writers: limits, a cheap line cursor, strict number checks,
 * the frame grid for track files (ETH/UCY, CSV), and scene invariants.
 */

import { SceneParseError } from '../errors';
import type { Dim, Scene, SceneKind, TimeUnit } from '../scene';

// Records keyed by the union types: a kind or unit added to scene.ts without being listed here fails the type check.
const KIND_KEYS = { pedestrian: 1, molecule: 1, nbody: 1, basketball: 1, generic: 1 } satisfies Record<SceneKind, 1>;
const UNIT_KEYS = { s: 1, ms: 1, fs: 1, ps: 1, ns: 1, sim: 1, frame: 1 } satisfies Record<TimeUnit, 1>;

/** Every scene kind, for the formats that name it (CSV comment, extended XYZ comment, JSON). */
export const SCENE_KINDS = Object.keys(KIND_KEYS) as readonly SceneKind[];

/** Every frame-interval unit a file may state. */
export const TIME_UNITS = Object.keys(UNIT_KEYS) as readonly TimeUnit[];

/** Length unit of a file that does not name one. */
export const DEFAULT_LENGTH_UNIT: Readonly<Record<SceneKind, string>> = {
  pedestrian: 'm',
  molecule: 'Å',
  nbody: 'sim',
  basketball: 'ft',
  generic: 'm',
};

export function asSceneKind(v: unknown): SceneKind | undefined {
  return SCENE_KINDS.find((k) => k === v);
}

export function asTimeUnit(v: unknown): TimeUnit | undefined {
  return TIME_UNITS.find((u) => u === v);
}

/** Largest scene text accepted (characters of the decoded file; ~bytes for ASCII). */
export const MAX_SCENE_BYTES = 64 * 1024 * 1024;

/** Largest dense position array F*N*D accepted: 50M float32 = 200 MB, the most a browser tab can hold comfortably. */
export const MAX_SCENE_FLOATS = 50_000_000;

/** Largest frame count, counted after gaps in frame ids are filled with empty frames. */
export const MAX_FRAMES = 1_000_000;

/**
 * Walks the lines of a text without splitting it up front (a 30 MB file would otherwise become 1M strings at
 * once). Handles \n, \r\n and lone \r endings.
 */
export class LineCursor {
  private pos = 0;
  /** 1-based number of the line last returned by next(). */
  lineNo = 0;
  /** Start/end offsets of that line in the text, for allocation-free scanning. */
  start = 0;
  end = 0;

  constructor(readonly text: string) {}

  /** Advances to the next line; false at end of text. A final newline does not make an extra empty line. */
  advance(): boolean {
    const t = this.text;
    if (this.pos >= t.length) return false;
    const start = this.pos;
    let i = start;
    const len = t.length;
    while (i < len) {
      const c = t.charCodeAt(i);
      if (c === 10 || c === 13) break;
      i++;
    }
    this.start = start;
    this.end = i;
    if (i < len && t.charCodeAt(i) === 13 && i + 1 < len && t.charCodeAt(i + 1) === 10) i += 2;
    else i += 1;
    this.pos = i;
    this.lineNo++;
    return true;
  }

  line(): string {
    return this.text.slice(this.start, this.end);
  }
}

/**
 * 1-based line of an offset, counting line ends as LineCursor does (\n, \r\n, lone \r); `code(i)` reads the
 * character (or byte) at i, so one function serves decoded text and raw bytes.
 */
export function lineAtOffset(code: (i: number) => number | undefined, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    const c = code(i);
    if (c === 10) line++;
    else if (c === 13 && code(i + 1) !== 10) line++;
  }
  return line;
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff;
}

/** True when text[start, end) is entirely whitespace. */
export function isBlankRange(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/**
 * True when text[start, end) is a plain decimal number: [+-] digits [. digits] [e[+-]digits].
 * Rejects what Number() would quietly accept ("", "0x1f", "Infinity", " 1 ") so bad files fail loudly.
 */
export function isDecimal(text: string, start: number, end: number): boolean {
  let i = start;
  if (i < end) {
    const c = text.charCodeAt(i);
    if (c === 43 || c === 45) i++;
  }
  let digits = 0;
  while (i < end && isDigitCode(text.charCodeAt(i))) {
    i++;
    digits++;
  }
  if (i < end && text.charCodeAt(i) === 46) {
    i++;
    while (i < end && isDigitCode(text.charCodeAt(i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 101 && c !== 69) return false;
    i++;
    if (i < end) {
      const s = text.charCodeAt(i);
      if (s === 43 || s === 45) i++;
    }
    let expDigits = 0;
    while (i < end && isDigitCode(text.charCodeAt(i))) {
      i++;
      expDigits++;
    }
    if (expDigits === 0) return false;
  }
  return i === end;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Largest finite float32. Scene positions are float32, so a larger (finite double) coordinate would become Infinity. */
export const F32_MAX = 3.4028234663852886e38;

/** True when v is stored as a finite float32 (NaN is not). */
export function fitsF32(v: number): boolean {
  return Math.abs(v) <= F32_MAX;
}

/** Parses a strictly decimal, finite number from text[start, end); NaN when it is not one. */
export function parseDecimal(text: string, start: number, end: number): number {
  // Fast path without allocating a substring: "[-]digits[.digits]" with at most 15 significant digits.
  // mantissa < 2^53 and 10^k (k <= 22) are exact doubles, so one IEEE division is correctly rounded,
  // the same value Number() gives.
  let i = start;
  let neg = false;
  if (i < end) {
    const c = text.charCodeAt(i);
    if (c === 45) {
      neg = true;
      i++;
    } else if (c === 43) i++;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let seenDot = false;
  let simple = true;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      if (seenDot) frac++;
    } else if (c === 46 && !seenDot) {
      seenDot = true;
    } else {
      simple = false;
      break;
    }
  }
  if (simple && digits > 0 && digits <= 15) {
    const v = frac === 0 ? mant : mant / POW10[frac];
    return neg ? -v : v;
  }
  if (!isDecimal(text, start, end)) return NaN;
  const v = Number(text.slice(start, end));
  // Decimal syntax can still overflow ("1e999").
  return Number.isFinite(v) ? v : NaN;
}

/** Same as parseDecimal for an already separate string, trimming surrounding blanks. */
export function parseDecimalString(s: string): number {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return parseDecimal(s, a, b);
}

/** Shows a field in an error message without flooding it. */
export function quote(s: string, max = 40): string {
  const cut = s.length > max ? s.slice(0, max) + '…' : s;
  return JSON.stringify(cut);
}

export function checkTextSize(file: string, text: string, maxBytes: number = MAX_SCENE_BYTES): void {
  if (text.length > maxBytes) {
    throw new SceneParseError(
      file,
      0,
      `file is too large (${formatBytes(text.length)})`,
      `at most ${formatBytes(maxBytes)}`,
    );
  }
}

/**
 * Refuses a file by its size before any of it is read (browser File.size, CLI stat): a 3 GB file gets
 * "too large", never an out-of-memory error, and a 1 GB file is not read to be refused afterwards.
 */
export function checkFileSize(file: string, bytes: number, maxBytes: number = MAX_SCENE_BYTES): void {
  if (bytes > maxBytes) {
    throw new SceneParseError(file, 0, `file is too large (${formatBytes(bytes)})`, `at most ${formatBytes(maxBytes)}`);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Refuses scenes whose dense arrays would not fit, before allocating them. */
export function checkSceneSize(file: string, frames: number, entities: number, dim: number): void {
  if (frames > MAX_FRAMES) {
    throw new SceneParseError(
      file,
      0,
      `scene has ${frames} frames`,
      `at most ${MAX_FRAMES} frames (gaps in frame ids count as empty frames)`,
    );
  }
  const floats = frames * entities * dim;
  if (floats > MAX_SCENE_FLOATS) {
    throw new SceneParseError(
      file,
      0,
      `scene is too large: ${frames} frames x ${entities} entities x ${dim} coordinates = ${floats} values`,
      `frames x entities x dims <= ${MAX_SCENE_FLOATS}; split the file into shorter pieces`,
    );
  }
}

/** Growable Float64 column, so row storage stays in a few big buffers instead of per-row objects. */
export class F64Column {
  data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

export class I32Column {
  data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Frames of a track file: the sorted distinct frame ids, with gaps filled when all ids lie on one regular grid.
 * ETH/UCY frame ids step by 10; a gap (step 60) is a stretch with nobody in view. Filling it keeps the time
 * between consecutive scene frames constant, which the model's fixed frame interval assumes.
 */
export interface FrameGrid {
  labels: number[];
  /** Scene frame index of a source frame id; -1 if unknown. */
  indexOf(frameId: number): number;
}

/**
 * How far gaps may stretch a track file: filled, it may hold at most GAP_FILL_FACTOR times its distinct frames
 * plus GAP_FILL_SLACK. The ETH/UCY recordings need at most 1.6 times (biwi_hotel); without a cap a 356-byte file
 * with frame ids 0, 1 and 999999 would become a million-frame scene.
 */
export const GAP_FILL_FACTOR = 4;
export const GAP_FILL_SLACK = 1000;

/**
 * `lines` (optional, parallel to frameIds) lets a refusal name the line of the frame id after the widest gap.
 */
export function buildFrameGrid(file: string, frameIds: Float64Array, count: number, lines?: Int32Array): FrameGrid {
  const sorted = frameIds.slice(0, count).sort();
  const unique: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) unique.push(sorted[i]);

  if (unique.length >= 2) {
    let step = Infinity;
    for (let i = 1; i < unique.length; i++) step = Math.min(step, unique[i] - unique[i - 1]);
    const f0 = unique[0];
    const span = (unique[unique.length - 1] - f0) / step;
    let regular = Number.isFinite(span) && step > 0;
    if (regular) {
      for (const u of unique) {
        const k = (u - f0) / step;
        if (Math.abs(k - Math.round(k)) > 1e-6) {
          regular = false;
          break;
        }
      }
    }
    if (regular) {
      const total = Math.round(span) + 1;
      const allowed = GAP_FILL_FACTOR * unique.length + GAP_FILL_SLACK;
      if (total > allowed) {
        let widest = 1;
        for (let i = 2; i < unique.length; i++) if (unique[i] - unique[i - 1] > unique[widest] - unique[widest - 1]) widest = i;
        const after = unique[widest];
        let line = 0;
        if (lines) for (let r = 0; r < count && line === 0; r++) if (frameIds[r] === after) line = lines[r];
        throw new SceneParseError(
          file,
          line,
          `the gaps in the frame ids (${unique.length} distinct ids from ${f0} to ${unique[unique.length - 1]} in steps of ${step}; ` +
            `the widest from ${unique[widest - 1]} to ${after}) would make ${total} frames`,
          `at most ${GAP_FILL_FACTOR} × ${unique.length} distinct frames + ${GAP_FILL_SLACK} = ${allowed} frames once gaps are filled; check the frame ids`,
        );
      }
      checkSceneSize(file, total, 0, 0);
      const labels = new Array<number>(total);
      for (let k = 0; k < total; k++) labels[k] = f0 + k * step;
      // Keep the exact source values where they exist (f0 + k*step can drift in the last bit).
      for (const u of unique) labels[Math.round((u - f0) / step)] = u;
      return {
        labels,
        indexOf(frameId: number): number {
          const k = Math.round((frameId - f0) / step);
          return k >= 0 && k < total && labels[k] === frameId ? k : -1;
        },
      };
    }
  }
  const index = new Map<number, number>();
  unique.forEach((u, k) => index.set(u, k));
  return { labels: unique, indexOf: (frameId: number) => index.get(frameId) ?? -1 };
}

/**
 * Shortest decimal text that reads back to the same float32 (positions are stored as float32, so printing
 * the double expansion "1.409999966621399" would only add noise to files).
 */
export function formatF32(v: number): string {
  const f = Math.fround(v);
  if (f === 0) return '0';
  if (!Number.isFinite(f)) return String(f);
  // Integers below 2^24 print exactly and shortest as they are.
  if (Number.isInteger(f) && Math.abs(f) < 16777216) return String(f);
  // Round-tripping is monotone in the digit count (9 always suffices for float32), so binary search.
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(f.toPrecision(mid))) === f) hi = mid;
    else lo = mid + 1;
  }
  return trimNumber(f.toPrecision(lo));
}

/** Shortest round-trip text of a double, without exponent noise for typical values. */
export function formatNumber(v: number): string {
  return String(v);
}

function trimNumber(s: string): string {
  // toPrecision gives "1.500" or "1.5e+21"; keep it parseable and short.
  if (s.includes('e')) {
    const [m, e] = s.split('e');
    return `${stripZeros(m)}e${e.startsWith('+') ? e.slice(1) : e}`;
  }
  return stripZeros(s);
}

function stripZeros(m: string): string {
  if (!m.includes('.')) return m;
  let end = m.length;
  while (m.charCodeAt(end - 1) === 48) end--;
  if (m.charCodeAt(end - 1) === 46) end--;
  return m.slice(0, end);
}

/** Problems with a Scene's invariants; empty when it is consistent. Used by tests and by callers of foreign scenes. */
export function sceneProblems(scene: Scene): string[] {
  const out: string[] = [];
  const n = scene.entities.length;
  const f = scene.frameCount;
  const d: Dim = scene.dim;
  if (d !== 2 && d !== 3) out.push(`dim ${String(d)} is not 2 or 3`);
  if (!Number.isInteger(f) || f < 1) out.push(`frameCount ${f} is not a positive integer`);
  if (n < 1) out.push('scene has no entities');
  if (scene.positions.length !== f * n * d) out.push(`positions has ${scene.positions.length} values, expected ${f * n * d}`);
  if (scene.mask.length !== f * n) out.push(`mask has ${scene.mask.length} values, expected ${f * n}`);
  if (scene.frameLabels.length !== f) out.push(`frameLabels has ${scene.frameLabels.length} values, expected ${f}`);
  for (let k = 1; k < scene.frameLabels.length; k++) {
    if (!(scene.frameLabels[k] > scene.frameLabels[k - 1])) {
      out.push(`frameLabels not increasing at ${k}`);
      break;
    }
  }
  for (let i = 0; i < scene.positions.length; i++) {
    if (!Number.isFinite(scene.positions[i])) {
      out.push(`positions[${i}] is not finite`);
      break;
    }
  }
  for (let i = 0; i < scene.mask.length; i++) {
    const m = scene.mask[i];
    if (m !== 0 && m !== 1) {
      out.push(`mask[${i}] is ${m}`);
      break;
    }
    if (m === 0) {
      const base = i * d;
      for (let k = 0; k < d; k++) {
        if (scene.positions[base + k] !== 0) {
          out.push(`absent entry ${i} has a non-zero position`);
          break;
        }
      }
    }
  }
  const seen = new Set<string>();
  for (const e of scene.entities) {
    if (seen.has(e.sourceId)) out.push(`duplicate sourceId ${quote(e.sourceId)}`);
    seen.add(e.sourceId);
  }
  if (!(scene.frameInterval.value > 0) || !Number.isFinite(scene.frameInterval.value)) {
    out.push(`frameInterval ${scene.frameInterval.value} is not positive`);
  }
  return out;
}
