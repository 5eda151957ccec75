/**
 * Contract v2 graphs as the Python exporter writes them, run by onnxruntime-web (Node, WASM) against their PyTorch
 * fixtures: test/models/v2-tiny is a tiny untrained model with every v2 feature (3-D, an element vocabulary:
 * encoder input `feats`, decoder output `feat_logits`; learned first stage, transformer approximator; graph
 * metadata_props). Written by `python3 -m lamslide_train.contract_model --out ../../test/models/v2-tiny` (from
 * models/training); models/training/tests/test_export.py checks the committed copy is what the exporter writes.
 *
 * The manifest is read as plain JSON here: the app's manifest parser is the v2 loader's job (src/core/sampler).
 * Error measure and tolerance as in contract.test.ts (relative L2, 1e-4).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/core/sampler/manifest';
import type { LatentModel, ModelDims } from '../../src/core/sampler/model';
import { dimsFromManifest } from '../../src/core/sampler/rollout';
import { GraphSession, type Feed } from '../../src/engine/session';
import { sha256Hex } from '../../src/engine/source';
import { ROOT } from './index';
import { f32, i32, relL2, rolloutFixture, type FixtureTensor as T } from './parity';

const TOL = 1e-4;
const DIR = join(ROOT, 'test', 'models', 'v2-tiny');
const GRAPHS = ['encoder', 'approximator', 'decoder'] as const;
type Graph = (typeof GRAPHS)[number];

const manifest: Record<string, any> = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const fx: Record<string, any> = JSON.parse(readFileSync(join(DIR, 'fixtures', 'fixtures.json'), 'utf8'));
const bytes = (g: Graph) => new Uint8Array(readFileSync(join(DIR, `${g}.onnx`)));
const sessions = {} as Record<Graph, GraphSession>;

beforeAll(async () => {
  for (const g of GRAPHS) sessions[g] = await GraphSession.create(g, `${g}.onnx`, bytes(g), { backend: 'wasm' });
});
afterAll(async () => {
  await Promise.all(GRAPHS.map((g) => sessions[g]?.release()));
});

const feed = (t: T): Feed => (t.dtype === 'int32' ? { type: 'int32', data: i32(t), dims: t.shape } : { type: 'float32', data: f32(t), dims: t.shape });

/** Reads ModelProto.metadata_props (field 14: StringStringEntryProto key = 1, value = 2) from an .onnx file. */
function metadataProps(buf: Uint8Array): Record<string, string> {
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  const out: Record<string, string> = {};
  const text = new TextDecoder();
  while (i < buf.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (tag >>> 3 === 14) {
        const end = i + len;
        let key = '';
        let value = '';
        while (i < end) {
          const t = varint();
          const l = varint();
          const s = text.decode(buf.subarray(i, i + l));
          i += l;
          if (t >>> 3 === 1) key = s;
          else if (t >>> 3 === 2) value = s;
        }
        out[key] = value;
      } else i += len;
    } else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
  return out;
}

describe('contract v2 model (test/models/v2-tiny)', () => {
  it('manifest is lamslide-model/2 with a vocabulary, and every file has its sha256', async () => {
    expect(manifest.format).toBe('lamslide-model/2');
    expect(manifest.features.key).toBe('element');
    expect(manifest.features.vocab.length).toBeGreaterThan(0);
    expect(manifest.first_stage).toEqual({ kind: 'learned', layout: 'shared' });
    for (const [k, f] of Object.entries(manifest.files as Record<string, { path: string; sha256: string }>)) {
      expect(await sha256Hex(new Uint8Array(readFileSync(join(DIR, f.path)))), `files.${k}`).toBe(f.sha256);
    }
  });

  it('graphs carry lamslide.id_pool and lamslide.format', () => {
    for (const g of GRAPHS) {
      expect(metadataProps(bytes(g)), g).toEqual({ 'lamslide.id_pool': String(manifest.id_pool), 'lamslide.format': 'lamslide-model/2' });
    }
  });

  it('signatures: the encoder takes feats (int32), the decoder returns feat_logits [B,N,F]', () => {
    expect(sessions.encoder.inputNames).toEqual(['pos', 'ids', 'mask', 'feats']);
    const feats = sessions.encoder.inputMetadata.find((m) => m.name === 'feats');
    expect(feats?.isTensor && feats.type).toBe('int32');
    expect(sessions.decoder.outputNames).toEqual(['pos', 'feat_logits']);
    const logits = sessions.decoder.outputMetadata.find((m) => m.name === 'feat_logits');
    expect(logits?.isTensor && logits.shape[2]).toBe(manifest.features.vocab.length);
  });

  it('encoder (with feats) matches PyTorch', async () => {
    const e = fx.encoder.inputs;
    const out = await sessions.encoder.run({ pos: feed(e.pos), ids: feed(e.ids), mask: feed(e.mask), feats: feed(e.feats) });
    const err = relL2(out.latent, fx.encoder.outputs.latent.data);
    console.log(`v2-tiny: encoder relative L2 ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL);
  });

  it('approximator matches PyTorch', async () => {
    const a = fx.approximator.inputs;
    const out = await sessions.approximator.run({ x: feed(a.x), t: feed(a.t), cond: feed(a.cond), cond_mask: feed(a.cond_mask) });
    const err = relL2(out.x1_pred, fx.approximator.outputs.x1_pred.data);
    console.log(`v2-tiny: approximator relative L2 ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL);
  });

  it('decoder (positions and feature logits) matches PyTorch', async () => {
    const d = fx.decoder.inputs;
    const out = await sessions.decoder.run({ latent: feed(d.latent), ids: feed(d.ids) });
    const [ep, el] = [relL2(out.pos, fx.decoder.outputs.pos.data), relL2(out.feat_logits, fx.decoder.outputs.feat_logits.data)];
    console.log(`v2-tiny: decoder relative L2 pos ${ep.toExponential(2)}, feat_logits ${el.toExponential(2)}`);
    expect(ep).toBeLessThan(TOL);
    expect(el).toBeLessThan(TOL);
  });

  it('full rollout through the TypeScript sampler (window feats fed to every encoder call) matches PyTorch', async () => {
    const r = fx.rollout;
    const [, N] = r.window.pos.shape;
    const wf = i32(r.window.feats);
    expect(wf.length).toBe(N);
    // The window's features are fixed for the scene: every encoder row gets the same feats.
    const model: LatentModel = {
      encode: async (pos, ids, mask, B, n) => {
        const feats = new Int32Array(B * n);
        for (let b = 0; b < B; b++) feats.set(wf, b * n);
        const out = await sessions.encoder.run({
          pos: { type: 'float32', data: pos, dims: [B, n, manifest.dims] },
          ids: { type: 'int32', data: ids, dims: [B, n] },
          mask: { type: 'float32', data: mask, dims: [B, n] },
          feats: { type: 'int32', data: feats, dims: [B, n] },
        });
        return out.latent;
      },
      approximate: async (x, t, cond, condMask, B) => {
        const [T, L, C] = [manifest.frames.window, manifest.latent.L, manifest.latent.C];
        const out = await sessions.approximator.run({
          x: { type: 'float32', data: x, dims: [B, T, L, C] },
          t: { type: 'float32', data: t, dims: [B] },
          cond: { type: 'float32', data: cond, dims: [B, T, L, C] },
          cond_mask: { type: 'int32', data: condMask, dims: [B, T, L] },
        });
        return out.x1_pred;
      },
      decode: async (latent, ids, B, n) => {
        const out = await sessions.decoder.run({
          latent: { type: 'float32', data: latent, dims: [B, manifest.latent.L, manifest.latent.C] },
          ids: { type: 'int32', data: ids, dims: [B, n] },
        });
        return out.pos;
      },
    };
    // The same dims the app uses (F from the vocabulary), so the rollout feeds the window's feats.
    const dims: ModelDims = dimsFromManifest(parseManifest(manifest));
    const res = await rolloutFixture(model, dims, r);
    expect(Math.max(...Array.from(res.firstConditioning.center, (v, i) => Math.abs(v - r.center[i])))).toBeLessThan(1e-4);
    expect(relL2(res.firstConditioning.cond, r.cond.data)).toBeLessThan(TOL);
    const [ex, ep] = [relL2(res.xFinal, r.x_final.data), relL2(res.firstWindow, r.pos_out.data)];
    console.log(`v2-tiny: rollout (${r.solver}, NFE ${r.nfe}, K ${r.k}) relative L2: x_S ${ex.toExponential(2)}, positions ${ep.toExponential(2)}`);
    expect(ex).toBeLessThan(TOL);
    expect(ep).toBeLessThan(TOL);
  });
});
