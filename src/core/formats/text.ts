/**
 * Bytes to text, the same way in the browser (the parse worker) and in Node (the CLI), so a file reads the same
 * everywhere or is refused everywhere:
 * - UTF-8, strictly (a UTF-8 byte-order mark is dropped);
 * - UTF-16 (little or big endian) only when the file starts with its byte-order mark, strictly;
 * - anything else is refused with the offset of the first byte that does not fit: Latin-1 or Windows-1252
 *   text ("é" as the single byte 0xE9), UTF-32, UTF-16 without a byte-order mark, binary files.
 * A NUL character is refused as well: no scene format has one, and it is what UTF-16 text without a mark and
 * binary files look like when read as UTF-8.
 */

import { SceneParseError } from '../errors';
import { lineAtOffset } from './common';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

const EXPECTED = 'a UTF-8 (or ASCII) text file, or UTF-16 with a byte-order mark';

/** The encoding a file declares by its first bytes, and how many bytes the mark takes. */
export function detectEncoding(b: Uint8Array): { encoding: TextEncoding; bom: number } {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  return { encoding: 'utf-8', bom: 0 };
}

/** Decodes a scene file's bytes (see the module comment); throws a SceneParseError naming the byte offset. */
export function decodeSceneText(file: string, bytes: Uint8Array): string {
  const { encoding, bom } = detectEncoding(bytes);
  // FF FE 00 00 is the UTF-32 LE mark; read as UTF-16 it would start with a NUL character.
  if (encoding === 'utf-16le' && bytes.length >= 4 && bytes[2] === 0 && bytes[3] === 0) {
    throw new SceneParseError(file, 0, 'the file is UTF-32 (byte-order mark FF FE 00 00 at byte 0)', EXPECTED);
  }
  if (encoding !== 'utf-8' && (bytes.length - bom) % 2 !== 0) {
    throw new SceneParseError(file, 0, `the file has a ${encoding.toUpperCase()} byte-order mark but an odd number of bytes (${bytes.length})`, EXPECTED);
  }
  let text: string;
  try {
    // ignoreBOM: the mark is skipped here, so a second one would be content.
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bom));
  } catch {
    // The native decoder only says "invalid"; find where, for the message (only on this error path).
    if (encoding === 'utf-8') {
      const bad = firstInvalidUtf8(bytes, bom);
      throw new SceneParseError(
        file,
        lineAtOffset((i) => bytes[i], bad),
        `byte ${bad} (0x${hex(bytes[bad])}) is not valid UTF-8; Latin-1 and other 8-bit encodings are not read`,
        EXPECTED,
      );
    }
    const at = bom + 2 * firstBadUtf16Unit(bytes.subarray(bom), encoding === 'utf-16le');
    throw new SceneParseError(file, 0, `bytes ${at}-${at + 1} are not valid ${encoding.toUpperCase()} (an unpaired surrogate)`, EXPECTED);
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const at = encoding === 'utf-8' ? bytes.indexOf(0, bom) : bom + 2 * nul;
    const line = lineAtOffset((i) => text.charCodeAt(i), nul);
    const why = encoding === 'utf-8' ? ' (a binary file, or UTF-16 text without a byte-order mark)' : '';
    throw new SceneParseError(file, line, `byte ${at} is a NUL character${why}`, EXPECTED);
  }
  return text;
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/** Offset of the first byte from `from` on that does not start or continue a valid UTF-8 sequence; b.length if none. */
export function firstInvalidUtf8(b: Uint8Array, from = 0): number {
  let i = from;
  while (i < b.length) {
    const c = b[i];
    let need = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= b.length) return i;
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if ((cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return b.length;
}

/** Index of the first 16-bit unit that is an unpaired surrogate. */
function firstBadUtf16Unit(b: Uint8Array, le: boolean): number {
  const n = b.length >> 1;
  const unit = (k: number) => (le ? b[2 * k] | (b[2 * k + 1] << 8) : (b[2 * k] << 8) | b[2 * k + 1]);
  for (let k = 0; k < n; k++) {
    const u = unit(k);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (k + 1 < n && unit(k + 1) >= 0xdc00 && unit(k + 1) <= 0xdfff) {
        k++;
        continue;
      }
      return k;
    }
    if (u >= 0xdc00 && u <= 0xdfff) return k;
  }
  return n;
}
