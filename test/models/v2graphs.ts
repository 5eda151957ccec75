/**
 * Contract v2 model folders as the Python exporter writes them, run by onnxruntime-web (Node, WASM) against their
 * PyTorch fixtures, graph by graph and through the TypeScript sampler. The manifest is read as plain JSON: the
 * app's manifest parser on this branch reads lamslide-model/1 only (the v2 loader is the engine's), so these
 * checks drive the graphs through GraphSession directly.
 *
 * Error measure and tolerance as in contract.test.ts (relative L2, 1e-4).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/core/sampler/manifest';
import type { LatentModel } from '../../src/core/sampler/model';
import { dimsFromManifest } from '../../src/core/sampler/rollout';
import { GraphSession, type Feed } from '../../src/engine/session';
import { sha256Hex } from '../../src/engine/source';
import { f32, i32, relL2, rolloutFixture, type FixtureTensor as T } from './parity';

export const TOL = 1e-4;
export const GRAPHS = ['encoder', 'approximator', 'decoder'] as const;
export type Graph = (typeof GRAPHS)[number];

export const feed = (t: T): Feed => (t.dtype === 'int32' ? { type: 'int32', data: i32(t), dims: t.shape } : { type: 'float32', data: f32(t), dims: t.shape });

/** Reads ModelProto.metadata_props (field 14: StringStringEntryProto key = 1, value = 2) from an .onnx file. */
export function metadataProps(buf: Uint8Array): Record<string, string> {
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

/** A LatentModel over the three sessions. The sampler passes the scene's features to every encoder call (ModelDims.F
 * from the vocabulary, as in the app); the graphs of a model with a vocabulary require them. */
export function graphModel(sessions: Record<Graph, GraphSession>, manifest: Record<string, any>): LatentModel {
  return {
    encode: async (pos, ids, mask, B, n, feats) => {
      const inputs: Record<string, Feed> = {
        pos: { type: 'float32', data: pos, dims: [B, n, manifest.dims] },
        ids: { type: 'int32', data: ids, dims: [B, n] },
        mask: { type: 'float32', data: mask, dims: [B, n] },
      };
      if (feats) inputs.feats = { type: 'int32', data: feats, dims: [B, n] };
      return (await sessions.encoder.run(inputs)).latent;
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
}

export interface V2Expectations {
  /** manifest fields the folder must have (compared with toEqual) */
  manifest?: Record<string, unknown>;
}

/**
 * The whole check of one v2 model folder: manifest format and file hashes, graph metadata, graph signatures
 * (feats in and feat_logits out exactly when the vocabulary is not empty), each graph on its fixture, and the
 * complete rollout from the fixture noise through the TypeScript sampler.
 */
export function describeV2Model(label: string, dir: string, expect_: V2Expectations = {}): void {
  const manifest: Record<string, any> = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const fx: Record<string, any> = JSON.parse(readFileSync(join(dir, 'fixtures', 'fixtures.json'), 'utf8'));
  const bytes = (g: Graph) => new Uint8Array(readFileSync(join(dir, `${g}.onnx`)));
  const sessions = {} as Record<Graph, GraphSession>;
  const vocab: string[] = manifest.features?.vocab ?? [];

  describe(`contract v2 model ${label}`, () => {
    beforeAll(async () => {
      for (const g of GRAPHS) sessions[g] = await GraphSession.create(g, `${g}.onnx`, bytes(g), { backend: 'wasm' });
    });
    afterAll(async () => {
      await Promise.all(GRAPHS.map((g) => sessions[g]?.release()));
    });

    it('manifest is lamslide-model/2, and every file has its sha256', async () => {
      expect(manifest.format).toBe('lamslide-model/2');
      for (const [k, v] of Object.entries(expect_.manifest ?? {})) expect(manifest[k], k).toEqual(v);
      for (const [k, f] of Object.entries(manifest.files as Record<string, { path: string; sha256: string }>)) {
        expect(await sha256Hex(new Uint8Array(readFileSync(join(dir, f.path)))), `files.${k}`).toBe(f.sha256);
      }
    });

    it('graphs carry lamslide.id_pool and lamslide.format', () => {
      for (const g of GRAPHS) {
        expect(metadataProps(bytes(g)), g).toEqual({ 'lamslide.id_pool': String(manifest.id_pool), 'lamslide.format': 'lamslide-model/2' });
      }
    });

    it('signatures: feats (int32) into the encoder and feat_logits [B,N,F] out of the decoder exactly with a vocabulary', () => {
      expect(sessions.encoder.inputNames).toEqual(vocab.length ? ['pos', 'ids', 'mask', 'feats'] : ['pos', 'ids', 'mask']);
      expect(sessions.decoder.outputNames).toEqual(vocab.length ? ['pos', 'feat_logits'] : ['pos']);
      if (vocab.length) {
        const feats = sessions.encoder.inputMetadata.find((m) => m.name === 'feats');
        expect(feats?.isTensor && feats.type).toBe('int32');
        const logits = sessions.decoder.outputMetadata.find((m) => m.name === 'feat_logits');
        expect(logits?.isTensor && logits.shape[2]).toBe(vocab.length);
      }
    });

    it('encoder matches PyTorch', async () => {
      const e = fx.encoder.inputs;
      const inputs: Record<string, Feed> = { pos: feed(e.pos), ids: feed(e.ids), mask: feed(e.mask) };
      if (vocab.length) inputs.feats = feed(e.feats);
      const out = await sessions.encoder.run(inputs);
      const err = relL2(out.latent, fx.encoder.outputs.latent.data);
      console.log(`${label}: encoder relative L2 ${err.toExponential(2)}`);
      expect(err).toBeLessThan(TOL);
    });

    it('approximator matches PyTorch', async () => {
      const a = fx.approximator.inputs;
      const out = await sessions.approximator.run({ x: feed(a.x), t: feed(a.t), cond: feed(a.cond), cond_mask: feed(a.cond_mask) });
      const err = relL2(out.x1_pred, fx.approximator.outputs.x1_pred.data);
      console.log(`${label}: approximator relative L2 ${err.toExponential(2)}`);
      expect(err).toBeLessThan(TOL);
    });

    it('decoder (positions, and feature logits with a vocabulary) matches PyTorch', async () => {
      const d = fx.decoder.inputs;
      const out = await sessions.decoder.run({ latent: feed(d.latent), ids: feed(d.ids) });
      const ep = relL2(out.pos, fx.decoder.outputs.pos.data);
      console.log(`${label}: decoder relative L2 pos ${ep.toExponential(2)}`);
      expect(ep).toBeLessThan(TOL);
      if (vocab.length) expect(relL2(out.feat_logits, fx.decoder.outputs.feat_logits.data)).toBeLessThan(TOL);
    });

    it('full rollout through the TypeScript sampler (window feats fed to every encoder call) matches PyTorch', async () => {
      const r = fx.rollout;
      const [, N] = r.window.pos.shape;
      const wf = vocab.length ? i32(r.window.feats) : undefined;
      if (wf) expect(wf.length).toBe(N);
      const res = await rolloutFixture(graphModel(sessions, manifest), dimsFromManifest(parseManifest(manifest)), r);
      expect(Math.max(...Array.from(res.firstConditioning.center, (v, i) => Math.abs(v - r.center[i])))).toBeLessThan(1e-4);
      expect(relL2(res.firstConditioning.cond, r.cond.data)).toBeLessThan(TOL);
      const [ex, ep] = [relL2(res.xFinal, r.x_final.data), relL2(res.firstWindow, r.pos_out.data)];
      console.log(`${label}: rollout (${r.solver}, NFE ${r.nfe}, K ${r.k}) relative L2: x_S ${ex.toExponential(2)}, positions ${ep.toExponential(2)}`);
      expect(ex).toBeLessThan(TOL);
      expect(ep).toBeLessThan(TOL);
    });
  });
}
