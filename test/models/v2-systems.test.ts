/**
 * The N-body, basketball and alanine dipeptide models (contract v2: a charge or group vocabulary on a slot binding code with feature
 * channels, CONTRACT.md "Slot binding code with features") replayed by onnxruntime-web (Node, WASM) against their
 * PyTorch fixtures: every graph, and the complete rollout through the TypeScript sampler with the window's
 * features fed to every encoder call. contract.test.ts checks them again through the engine's OnnxModel as listed
 * models; here the manifest fields the page and the CLI rely on (domain, units, frames, vocabulary) are pinned.
 */
import { join } from 'node:path';
import { ROOT } from './index';
import { describeV2Model } from './v2graphs';

describeV2Model('nbody-charged', join(ROOT, 'models', 'nbody-charged'), {
  manifest: {
    domain: 'nbody',
    dims: 3,
    features: { key: 'charge', vocab: ['-1', '1'] },
    first_stage: { kind: 'binding', layout: 'slots' },
    frames: { observed: 10, future: 20, window: 30, min_observed: 1 },
    frame_interval: { value: 0.1, unit: 'sim' },
    length_unit: 'sim',
  },
});

describeV2Model('nba', join(ROOT, 'models', 'nba'), {
  manifest: {
    domain: 'basketball',
    dims: 2,
    features: { key: 'group', vocab: ['PLAYER', 'BALL'] },
    first_stage: { kind: 'binding', layout: 'slots' },
    frames: { observed: 8, future: 12, window: 20, min_observed: 1 },
    frame_interval: { value: 0.12, unit: 's' },
    length_unit: 'ft',
  },
});

describeV2Model('ala2', join(ROOT, 'models', 'ala2'), {
  manifest: {
    domain: 'molecule',
    dims: 3,
    scope: { formula: 'C6H12N2O2' },
    features: { key: 'element', vocab: ['H', 'C', 'N', 'O', 'F', 'S', 'Cl'] },
    first_stage: { kind: 'binding', layout: 'slots' },
    frames: { observed: 4, future: 16, window: 20, min_observed: 1 },
    frame_interval: { value: 1, unit: 'ps' },
    length_unit: 'Å',
  },
});
