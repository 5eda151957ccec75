/**
 * What a model's card says about its chained rollouts keeping molecules whole, read from the manifest's metrics (the
 * pipeline writes them: `long_rollout.bonds` for the peptide models, `stability` for md-small). The page warns with
 * it before a horizon longer than one window, so a rollout the card found unreliable is never shown without saying
 * so. Pure: no I/O.
 */

export interface ChainStability {
  /** chained rollouts the card scored */
  rollouts: number;
  /** those in which every bond stayed within ±15 % of its reference length in every checked frame */
  kept: number;
  /** what one rollout was: "10 ns", "50 windows" */
  length: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The card's chained-rollout bond stability, or null when the manifest has none (pedestrians, N-body, ...). */
export function chainStability(metrics: unknown): ChainStability | null {
  const m = metrics as { long_rollout?: { rollouts?: unknown; ns?: unknown; bonds?: { kept_fraction?: unknown } }; stability?: { rollouts?: unknown; windows?: unknown; stable_fraction?: unknown } } | null | undefined;
  const lr = m?.long_rollout;
  if (lr && num(lr.rollouts) !== null && num(lr.bonds?.kept_fraction) !== null) {
    const n = num(lr.rollouts)!;
    const ns = num(lr.ns);
    return { rollouts: n, kept: Math.round(num(lr.bonds!.kept_fraction)! * n), length: ns !== null ? `${ns} ns` : 'one long rollout' };
  }
  const st = m?.stability;
  if (st && num(st.rollouts) !== null && num(st.stable_fraction) !== null) {
    const n = num(st.rollouts)!;
    const w = num(st.windows);
    return { rollouts: n, kept: Math.round(num(st.stable_fraction)! * n), length: w !== null ? `${w} windows` : 'many windows' };
  }
  return null;
}

/**
 * The warning for a horizon of `windows` chained windows under a model whose card found most chained rollouts
 * breaking a bond; null for a single window, or when the card found at least half of them whole.
 */
export function chainWarning(model: string, metrics: unknown, windows: number): string | null {
  if (windows <= 1) return null;
  const s = chainStability(metrics);
  if (!s || s.kept * 2 >= s.rollouts) return null;
  return `Model ${model}'s card: in ${s.kept} of ${s.rollouts} chained rollouts of ${s.length}, every bond stayed within ±15 % of its length; beyond the first window the sampled molecule may come apart.`;
}
