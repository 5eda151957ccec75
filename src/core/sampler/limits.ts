/**
 * Stated upper limits of a sampling run and of what a manifest may declare (CONTRACT.md, issue #13.5/#13.6).
 * They bound work and memory; none of them is near what a real model or run needs.
 */

/**
 * Network evaluations per sample. The method's point is ~10 steps where diffusion baselines take 100-1000
 * (METHOD.md §4); beyond 1000 the ODE discretisation error sits far below float32 noise, so more only costs time
 * (NFE 1000 at K = 20 is about a minute on this machine's WASM).
 */
export const MAX_NFE = 1000;

/**
 * Samples per run. The protocols use K = 5 or 20; 1000 samples of a 30-frame molecule window keep the solver
 * state (float64, K x T x L x C) near 250 MB, the most a browser tab can be asked for.
 */
export const MAX_K = 1000;

/** Window length (observed + future frames) a manifest may declare; the reference settings use 20-30. */
export const MAX_WINDOW_FRAMES = 1024;

/** ID pool size; the ID assignment holds O(P) memory, real pools are 10-100. */
export const MAX_ID_POOL = 100_000;

/** Each latent axis, and their product (one frame's latent). */
export const MAX_LATENT_AXIS = 65_536;
export const MAX_LATENT_SIZE = 1 << 20;

/** Feature vocabulary size (the periodic table has 118 elements). */
export const MAX_VOCAB = 1024;

/**
 * Normalisation scale, in the model's length unit. Positions enter the graphs as (x - c) / scale in float32:
 * a scale outside this range turns every plausible scene into 0, subnormals or overflow (1e-300 did: a file of
 * nulls). Real scales are 0.5-10 (Å, m, ft) .
 */
export const MIN_SCALE = 1e-6;
export const MAX_SCALE = 1e6;

/** Seeds are 32-bit (mulberry32 state). */
export const MAX_SEED = 2 ** 32 - 1;
