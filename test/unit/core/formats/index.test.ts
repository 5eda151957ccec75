import { describe, expect, it } from 'vitest';
import {
  MAX_SCENE_BYTES,
  checkFileSize,
  SUPPORTED_EXTENSIONS,
  formatFromFileName,
  parseSceneFile,
  parseSceneFileBytes,
  sniffFormat,
  writeSceneFile,
} from '../../../../src/core/formats/index';
import { SceneParseError, SceneWriteError } from '../../../../src/core/errors';
import { expectParseError, expectSameScene, makeScene } from './helpers';

const XYZ = '1\nc\nC 0 0 0\n';
const PDB = 'ATOM      1  CA  ALA A   2       1.000   2.000   3.000  1.00  0.00           C\nEND\n';
const ETH = '780.0\t1.0\t1.0\t2.0\n790.0\t1.0\t1.5\t2.5\n';
const CSV = 'frame,id,x,y\n0,1,0,0\n';

describe('parseSceneFile', () => {
  it('chooses the reader by extension, case-insensitively, and names the scene after the file', () => {
    expect(parseSceneFile('a/b/mol.XYZ', XYZ).kind).toBe('molecule');
    expect(parseSceneFile('m.extxyz', XYZ).dim).toBe(3);
    expect(parseSceneFile('p.pdb', PDB).entities[0].label).toBe('CA ALA 2');
    expect(parseSceneFile('p.ent', PDB).frameCount).toBe(1);
    const eth = parseSceneFile('C:\\data\\biwi_eth.txt', ETH);
    expect(eth.kind).toBe('pedestrian');
    expect(eth.name).toBe('biwi_eth.txt');
    expect(parseSceneFile('x.tsv', ETH).frameCount).toBe(2);
    expect(parseSceneFile('x.ethucy', ETH).frameCount).toBe(2);
    expect(parseSceneFile('t.csv', CSV).entities.length).toBe(1);
  });

  it('sniffs unknown extensions and .txt files holding another format', () => {
    expect(parseSceneFile('noext', XYZ).kind).toBe('molecule');
    expect(parseSceneFile('mol.txt', XYZ).kind).toBe('molecule');
    expect(parseSceneFile('weird.dat', PDB).kind).toBe('molecule');
    expect(parseSceneFile('tracks', CSV).dim).toBe(2);
    expect(parseSceneFile('crowd.dat', ETH).kind).toBe('pedestrian');
    const json = writeSceneFile(parseSceneFile('t.csv', CSV), 'json');
    expect(parseSceneFile('scene.data', json).entities.length).toBe(1);
    expectParseError(() => parseSceneFile('what.bin', 'hello world'), 0, /cannot tell the file format/);
  });

  it('does not sniff away from an explicit extension', () => {
    expectParseError(() => parseSceneFile('x.csv', XYZ), 1, /lacks column/);
    expectParseError(() => parseSceneFile('x.pdb', CSV), 0, /no ATOM/);
  });

  it('strips a UTF-8 byte order mark', () => {
    expect(parseSceneFile('x.csv', '\ufeff' + CSV).entities.length).toBe(1);
  });

  it('refuses empty files and files over the size limit before parsing', () => {
    expectParseError(() => parseSceneFile('x.xyz', ''), 0, /empty/);
    expectParseError(() => parseSceneFile('x.xyz', ' \n\n\t'), 0, /empty/);
    expectParseError(() => parseSceneFile('x.txt', ETH, { maxBytes: 10 }), 0, /too large/);
    expect(MAX_SCENE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('every error is a SceneParseError naming the file', () => {
    try {
      parseSceneFile('dir/bad.txt', '0 1 2\n');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(SceneParseError);
      expect((e as SceneParseError).message).toMatch(/^dir\/bad\.txt:1: found 3 columns \(expected 4 columns/);
    }
  });
});

describe('parseSceneFileBytes', () => {
  it('decodes UTF-8 and parses', () => {
    const csv = '# lamslide length_unit=Å\nframe,id,x,y\n0,é,1,2\n';
    const s = parseSceneFileBytes('a.csv', new TextEncoder().encode(csv));
    expect(s.entities[0].sourceId).toBe('é');
    expect(s.lengthUnit).toBe('Å');
  });

  it('refuses invalid UTF-8 with the line of the bad byte', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('frame,id,x,y\n0,1,'), 0xff, 0x0a]);
    expectParseError(() => parseSceneFileBytes('a.csv', bytes), 2, /not valid UTF-8/);
    const truncated = new Uint8Array([0x41, 0x0a, 0x0a, 0xe2, 0x82]);
    expectParseError(() => parseSceneFileBytes('a.csv', truncated), 3, /byte 3/);
    const overlong = new Uint8Array([0xc0, 0x80]);
    expectParseError(() => parseSceneFileBytes('a.csv', overlong), 1, /byte 0/);
  });

  it('checks the byte size before decoding', () => {
    expectParseError(() => parseSceneFileBytes('a.csv', new Uint8Array(100), { maxBytes: 50 }), 0, /too large/);
  });

  it('checkFileSize refuses a 3 GB file by its size alone, naming size and limit', () => {
    expectParseError(() => checkFileSize('huge.txt', 3 * 1024 ** 3), 0, /huge\.txt:0: file is too large \(3\.0 GiB\) \(expected at most 64\.0 MiB\)/);
    expect(() => checkFileSize('ok.txt', MAX_SCENE_BYTES)).not.toThrow();
  });
});

describe('writeSceneFile', () => {
  const mol = makeScene({
    dim: 3,
    kind: 'molecule',
    entities: [{ sourceId: '0', label: 'C0', element: 'C' }, { sourceId: '1', label: 'O1', element: 'O' }],
    frames: [[[0, 0, 0], [1.2, 0, 0]], [[0, 0.1, 0], [1.2, 0.1, 0]]],
  });

  it('writes every format that can hold the scene, and each reads back through parseSceneFile', () => {
    for (const [fmt, ext] of [['xyz', '.xyz'], ['extxyz', '.extxyz'], ['pdb', '.pdb'], ['csv', '.csv'], ['json', '.json']] as const) {
      const back = parseSceneFile(`out${ext}`, writeSceneFile(mol, fmt));
      expectSameScene(back, mol, { tol: 1e-3, frameLabels: fmt !== 'pdb' });
    }
    expect(() => writeSceneFile(mol, 'ethucy')).toThrow(SceneWriteError);
  });

  it('lists the supported extensions and maps them to formats', () => {
    for (const ext of SUPPORTED_EXTENSIONS) expect(formatFromFileName(`f${ext}`)).toBeDefined();
    expect(formatFromFileName('f.docx')).toBeUndefined();
    expect(formatFromFileName('noext')).toBeUndefined();
  });

  it('sniffFormat recognises each format from its first lines', () => {
    expect(sniffFormat(XYZ)).toBe('xyz');
    expect(sniffFormat('REMARK x\n' + PDB)).toBe('pdb');
    expect(sniffFormat(ETH)).toBe('ethucy');
    expect(sniffFormat(CSV)).toBe('csv');
    expect(sniffFormat('  {"format": 1}')).toBe('json');
    expect(sniffFormat('\n\n')).toBeUndefined();
  });
});
