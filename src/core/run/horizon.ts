/**
 * The horizon of a run as the user states it: a duration ("2 ns", "500 ps", "4.8 s", "3 sim"), a number of
 * frames ("2000 frames") or of model windows ("5 windows"), turned into future frames and chained windows at the
 * scene's frame interval; and the memory budget of what a run keeps, which caps K for long horizons. Pure.
 */
import type { FrameInterval } from '../scene';
import { windowsFor } from './timeline';

/** Longest horizon the page samples: 10 ns at 0.5 ps per frame. */
export const MAX_HORIZON_FRAMES = 20_000;

/**
 * Most float32 values a run may hold in its sampled positions (and, when kept, its latents): 2^24 values =
 * 64 MiB each. At 10 000 frames of a 22-atom molecule (660 000 values per sample) that allows K = 25.
 */
export const MAX_RUN_VALUES = 2 ** 24;

const SECONDS: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, μs: 1e-6, ns: 1e-9, ps: 1e-12, fs: 1e-15 };

/**
 * Nanoseconds of one frame interval in a molecular time unit (fs, ps, ns), for generated time per wall-clock
 * second; undefined for other units (s, sim, frame), where that rate means nothing.
 */
export function intervalNanoseconds(interval: { value: number; unit: string }): number | undefined {
  return interval.unit === 'fs' || interval.unit === 'ps' || interval.unit === 'ns' ? (interval.value * SECONDS[interval.unit]) / 1e-9 : undefined;
}

export interface Horizon {
  /** future frames to sample */
  frames: number;
  /** chained model windows that takes */
  windows: number;
  /** the duration, interval × frames (in the interval's unit; null without one) */
  time: number | null;
}

export type HorizonResult = ({ ok: true } & Horizon) | { ok: false; error: string };

const UNITS_HELP = 'a duration (e.g. 2 ns, 500 ps, 4.8 s), frames (e.g. 2000 frames) or windows (e.g. 5 windows)';

/**
 * Parses a horizon at frame interval `interval` for a model with `future` frames per window. A duration is
 * rounded up to whole frames; the result must lie in 1..maxFrames.
 */
export function parseHorizon(text: string, interval: FrameInterval, future: number, maxFrames = MAX_HORIZON_FRAMES): HorizonResult {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([A-Za-zµμ]+)\s*$/i.exec(text);
  if (!m) return { ok: false, error: `horizon "${text.trim()}": give a number and a unit: ${UNITS_HELP}` };
  const value = Number(m[1]);
  const unit = m[2];
  const lower = unit.toLowerCase();
  let frames: number;
  if (['frame', 'frames', 'f'].includes(lower)) {
    if (!Number.isInteger(value)) return { ok: false, error: `horizon "${text.trim()}": frames must be a whole number` };
    frames = value;
  } else if (['window', 'windows', 'w'].includes(lower)) {
    if (!Number.isInteger(value)) return { ok: false, error: `horizon "${text.trim()}": windows must be a whole number` };
    frames = value * future;
  } else {
    const isSim = lower === 'sim';
    const s = isSim ? undefined : (SECONDS[unit] ?? SECONDS[lower]);
    if (!isSim && s === undefined) return { ok: false, error: `horizon "${text.trim()}": unknown unit "${unit}"; use ${UNITS_HELP}` };
    if (interval.unit === 'frame') return { ok: false, error: `horizon "${text.trim()}": the scene states no frame interval, so give frames or windows` };
    if (isSim !== (interval.unit === 'sim')) {
      const have = interval.unit === 'sim' ? 'simulation time (give e.g. "3 sim")' : `${interval.unit}`;
      return { ok: false, error: `horizon "${text.trim()}": the scene's frames are timed in ${have}, not in ${unit}` };
    }
    const per = isSim ? interval.value : interval.value * SECONDS[interval.unit];
    const want = isSim ? value : value * s!;
    const exact = want / per;
    if (exact < 1 - 1e-9) return { ok: false, error: `horizon "${text.trim()}" is shorter than one frame (${interval.value} ${interval.unit})` };
    // Rounded up to whole frames, but a duration that is a whole number of frames up to float noise stays exact.
    frames = Math.abs(exact - Math.round(exact)) <= 1e-9 * Math.max(1, exact) ? Math.round(exact) : Math.ceil(exact);
  }
  if (frames < 1) return { ok: false, error: `horizon "${text.trim()}" is shorter than one frame` };
  if (frames > maxFrames) return { ok: false, error: `horizon "${text.trim()}" is ${frames} frames; the page samples at most ${maxFrames}` };
  return { ok: true, frames, windows: windowsFor(frames, future), time: interval.unit === 'frame' ? null : frames * interval.value };
}

export interface RunBudget {
  /** float32 values the run would keep (sampled positions, plus latents when kept) */
  values: number;
  /** largest K that fits the budget (at least 0) */
  maxK: number;
  ok: boolean;
}

/**
 * Values kept by a run of K samples over `horizon` frames of N entities in D dimensions; with `latents` (W windows
 * of T frames of L × C) the kept latents count too, as the larger of the two arrays sets the limit.
 */
export function runBudget(K: number, horizon: number, N: number, D: number, latents?: { windows: number; T: number; L: number; C: number }, max = MAX_RUN_VALUES): RunBudget {
  const perSample = horizon * N * D;
  const perSampleLatents = latents ? latents.windows * latents.T * latents.L * latents.C : 0;
  const largest = Math.max(perSample, perSampleLatents, 1);
  const values = K * (perSample + perSampleLatents);
  const maxK = Math.floor(max / largest);
  return { values, maxK, ok: K * perSample <= max && K * perSampleLatents <= max };
}
