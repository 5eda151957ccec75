/**
 * Contract v2 graphs as the Python exporter writes them, run by onnxruntime-web (Node, WASM) against their PyTorch
 * fixtures: test/models/v2-tiny is a tiny untrained model with every v2 feature (3-D, an element vocabulary:
 * encoder input `feats`, decoder output `feat_logits`; learned first stage, transformer approximator; graph
 * metadata_props). Written by `python3 -m lamslide_train.contract_model --out ../../test/models/v2-tiny` (from
 * models/training); models/training/tests/test_export.py checks the committed copy is what the exporter writes.
 * The checks themselves are in v2graphs.ts (shared with the N-body and basketball models, v2-systems.test.ts).
 */
import { join } from 'node:path';
import { ROOT } from './index';
import { describeV2Model } from './v2graphs';

describeV2Model('v2-tiny', join(ROOT, 'test', 'models', 'v2-tiny'), {
  manifest: { features: { key: 'element', vocab: ['H', 'C', 'N', 'O'] }, first_stage: { kind: 'learned', layout: 'shared' } },
});
