import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPdb } from '../../../src/core/formats/pdb';
import { basinPopulations } from '../../../src/core/peptide/ramachandran';
import { backboneOf, torsionSeries } from '../../../src/core/peptide/torsions';
import { cardReferenceBasins, ramachandranRows } from '../../../src/ui/plotData';

const demo = readPdb('alanine-dipeptide.pdb', readFileSync(join(process.cwd(), 'public', 'scenes', 'alanine-dipeptide.pdb'), 'utf8'));

describe('Ramachandran data', () => {
  it("reads the reference MD's basins from a model card's metrics, and nothing from a card without them", () => {
    const pops = { beta_c7eq: 0.229, pII_c5: 0.487, alpha_r: 0.283, alpha_l: 0.001 };
    expect(cardReferenceBasins({ long_rollout: { reference_populations: pops } })).toEqual(pops);
    expect(cardReferenceBasins({ long_rollout: { reference_populations: { ...pops, alpha_l: 'x' } } })).toBeNull();
    expect(cardReferenceBasins({ ade: 1 })).toBeNull();
    expect(cardReferenceBasins(undefined)).toBeNull();
  });

  it("lists the file's basins, then the card's, and no distance without a sample", () => {
    const card = { label: 'reference MD', populations: { beta_c7eq: 0.2, pII_c5: 0.5, alpha_r: 0.3, alpha_l: 0 } };
    const d = ramachandranRows(demo, null, null, card)!;
    const bb = backboneOf(demo);
    if (!bb.ok) throw new Error(bb.reason);
    const q = bb.backbone.residues[0];
    const want = basinPopulations(torsionSeries(demo.positions, 22, 100, q.phi), torsionSeries(demo.positions, 22, 100, q.psi));
    expect(d.basins).toEqual([{ label: "the file's 100 frames", populations: want }, card]);
    expect(d.js).toBeNull();
    expect(d.sampled).toBeNull();
  });
});
