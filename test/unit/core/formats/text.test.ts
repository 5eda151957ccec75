import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSceneText, detectEncoding } from '../../../../src/core/formats/text';
import { parseSceneFileBytes } from '../../../../src/core/formats/index';
import { expectParseError } from './helpers';

const F = 'tracks.csv';
const utf8 = (s: string) => new TextEncoder().encode(s);

function utf16(s: string, le: boolean, bom = true): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  let o = 0;
  const put = (u: number) => {
    out[o++] = le ? u & 0xff : u >> 8;
    out[o++] = le ? u >> 8 : u & 0xff;
  };
  if (bom) put(0xfeff);
  for (let i = 0; i < s.length; i++) put(s.charCodeAt(i));
  return out;
}

describe('decodeSceneText', () => {
  const TEXT = 'frame,id,x,y,label\n0,1,0.5,1,Zoë\n0,2,1,2,"Åse 🚶"\n';

  it('reads UTF-8 with and without its byte-order mark', () => {
    expect(decodeSceneText(F, utf8(TEXT))).toBe(TEXT);
    expect(decodeSceneText(F, new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(TEXT)]))).toBe(TEXT);
  });

  it('reads UTF-16 in either byte order when the byte-order mark says so', () => {
    expect(detectEncoding(utf16(TEXT, true))).toEqual({ encoding: 'utf-16le', bom: 2 });
    expect(decodeSceneText(F, utf16(TEXT, true))).toBe(TEXT);
    expect(decodeSceneText(F, utf16(TEXT, false))).toBe(TEXT);
  });

  it('refuses Latin-1 with the byte offset and line of the first byte that is not UTF-8', () => {
    const latin1 = new Uint8Array([...utf8('frame,id,x,y,label\n0,1,0,0,Zo'), 0xeb, 0x0a]);
    expectParseError(() => decodeSceneText(F, latin1), 2, /byte 29 \(0xEB\) is not valid UTF-8; Latin-1/);
  });

  it('refuses UTF-16 without a byte-order mark, binary files and UTF-32 at the offending byte', () => {
    expectParseError(() => decodeSceneText(F, utf16('0 1 2 3\n', true, false)), 1, /byte 1 is a NUL character \(a binary file, or UTF-16/);
    expectParseError(() => decodeSceneText(F, new Uint8Array([0x30, 0x0a, 0x31, 0x00])), 2, /byte 3 is a NUL/);
    expectParseError(() => decodeSceneText(F, new Uint8Array([0xff, 0xfe, 0, 0, 0x30, 0, 0, 0])), 0, /UTF-32/);
  });

  it('refuses broken UTF-16: an odd byte count, an unpaired surrogate', () => {
    expectParseError(() => decodeSceneText(F, new Uint8Array([0xff, 0xfe, 0x30])), 0, /odd number of bytes \(3\)/);
    expectParseError(() => decodeSceneText(F, new Uint8Array([0xff, 0xfe, 0x30, 0, 0x00, 0xd8, 0x31, 0])), 0, /bytes 4-5 are not valid UTF-16LE/);
  });

  it('decodes every valid UTF-8 and BOM-marked UTF-16 text exactly, and refuses nothing else silently', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.includes('\u0000')), (s) => {
        expect(decodeSceneText(F, utf8(s))).toBe(s);
        expect(decodeSceneText(F, utf16(s, true))).toBe(s);
        expect(decodeSceneText(F, utf16(s, false))).toBe(s);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        let text: string | undefined;
        try {
          text = decodeSceneText(F, b);
        } catch (e) {
          expect((e as Error).name).toBe('SceneParseError');
          expect((e as Error).message).toMatch(/byte|UTF/);
          return;
        }
        // Whatever was accepted reads back to the same bytes (after the mark), so nothing was replaced or guessed.
        const { encoding, bom } = detectEncoding(b);
        const again = encoding === 'utf-8' ? utf8(text) : utf16(text, encoding === 'utf-16le', false);
        expect(Array.from(again)).toEqual(Array.from(b.subarray(bom)));
      }),
      { numRuns: 2000 },
    );
  });

  it('is what parseSceneFileBytes uses: a UTF-16 file reads like its UTF-8 twin', () => {
    const a = parseSceneFileBytes('t.txt', utf8('0 1 0.5 1\n10 1 1 2\n'));
    const b = parseSceneFileBytes('t.txt', utf16('0 1 0.5 1\n10 1 1 2\n', false));
    expect(b.positions).toEqual(a.positions);
    expect(b.frameLabels).toEqual(a.frameLabels);
  });
});
