/**
 * Identifier assignment: maps the N entities of a scene injectively onto the model's ID pool [0, P).
 * An injective map exists iff N <= P, so larger scenes are refused rather than silently sharing IDs
 * (two entities with one ID would be indistinguishable to the decoder).
 */

import { mulberry32 } from './rng';

export interface IdPool {
  /** Number of identifier vectors P the model was trained with. */
  size: number;
}

/** Either a pool or its size; both spellings are common at call sites. */
export type PoolLike = IdPool | number;

export type IdProblemKind = 'too-many' | 'not-integer' | 'out-of-pool' | 'duplicate' | 'bad-pool';

export interface IdProblem {
  kind: IdProblemKind;
  /** Entity index the problem is about; -1 for whole-assignment problems. */
  index: number;
  /** The offending ID value (NaN when not applicable). */
  id: number;
  message: string;
}

export type AssignmentCheck = { ok: true; problems: [] } | { ok: false; problems: IdProblem[] };

export class IdAssignmentError extends Error {
  readonly entityCount: number;
  readonly poolSize: number;
  readonly problems: IdProblem[];

  constructor(entityCount: number, poolSize: number, problems: IdProblem[]) {
    super(problems.length > 0 ? problems.map((p) => p.message).join('; ') : 'invalid ID assignment');
    this.name = 'IdAssignmentError';
    this.entityCount = entityCount;
    this.poolSize = poolSize;
    this.problems = problems;
  }
}

export function poolSize(pool: PoolLike): number {
  return typeof pool === 'number' ? pool : pool.size;
}

/** The sentence users see when a scene does not fit; kept in one place so UI and CLI agree. */
export function capacityMessage(n: number, p: number): string {
  return `scene has ${n} entities but the model's ID pool holds ${p}`;
}

/** Throws IdAssignmentError unless n entities fit in the pool. */
export function checkCapacity(n: number, pool: PoolLike): void {
  const p = poolSize(pool);
  const poolProblem = checkPool(p);
  if (poolProblem) throw new IdAssignmentError(n, p, [poolProblem]);
  if (!Number.isInteger(n) || n < 0) {
    throw new IdAssignmentError(n, p, [
      { kind: 'too-many', index: -1, id: NaN, message: `entity count ${n} is not a non-negative integer` },
    ]);
  }
  if (n > p) {
    throw new IdAssignmentError(n, p, [{ kind: 'too-many', index: -1, id: NaN, message: capacityMessage(n, p) }]);
  }
}

/** IDs 0..n-1: deterministic and easy to read, useful for debugging and fixtures. */
export function assignSequential(n: number, pool: PoolLike): number[] {
  checkCapacity(n, pool);
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  return ids;
}

/**
 * n distinct IDs drawn uniformly from the pool, reproducible from the seed.
 * The model was trained on random assignments, so this is the default for sampling.
 */
export function assignSeededRandom(n: number, pool: PoolLike, seed: number): number[] {
  checkCapacity(n, pool);
  const p = poolSize(pool);
  const rand = mulberry32(seed);
  // Partial Fisher-Yates: only the first n slots are shuffled, so cost is O(P) memory, O(n) draws.
  const perm = new Int32Array(p);
  for (let i = 0; i < p; i++) perm[i] = i;
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (p - i));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
    ids[i] = perm[i];
  }
  return ids;
}

/** Accepts a hand-made assignment after checking it; returns a copy so later edits by the caller cannot break it. */
export function assignUserGiven(ids: readonly number[], pool: PoolLike): number[] {
  const p = poolSize(pool);
  const check = validateAssignment(ids, p);
  if (!check.ok) throw new IdAssignmentError(ids.length, p, check.problems);
  return ids.slice();
}

/** Lists every problem (not just the first) so a UI can mark all bad rows at once. */
export function validateAssignment(ids: readonly number[], pool: PoolLike): AssignmentCheck {
  const p = poolSize(pool);
  const problems: IdProblem[] = [];
  const poolProblem = checkPool(p);
  if (poolProblem) return { ok: false, problems: [poolProblem] };
  if (ids.length > p) {
    problems.push({ kind: 'too-many', index: -1, id: NaN, message: capacityMessage(ids.length, p) });
  }
  const firstIndexOf = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      problems.push({ kind: 'not-integer', index: i, id: Number(id), message: `entity ${i}: ID ${String(id)} is not an integer` });
      continue;
    }
    if (id < 0 || id >= p) {
      problems.push({
        kind: 'out-of-pool',
        index: i,
        id,
        message: `entity ${i}: ID ${id} is outside the pool [0, ${p - 1}]`,
      });
      continue;
    }
    const first = firstIndexOf.get(id);
    if (first !== undefined) {
      problems.push({
        kind: 'duplicate',
        index: i,
        id,
        message: `entity ${i}: ID ${id} is already used by entity ${first}`,
      });
    } else {
      firstIndexOf.set(id, i);
    }
  }
  return problems.length === 0 ? { ok: true, problems: [] } : { ok: false, problems };
}

/** Int32 copy in the layout the ONNX graphs take (ids int32 [B, N]). */
export function idsToInt32(ids: readonly number[]): Int32Array {
  return Int32Array.from(ids);
}

function checkPool(p: number): IdProblem | undefined {
  if (!Number.isInteger(p) || p < 1) {
    return { kind: 'bad-pool', index: -1, id: NaN, message: `ID pool size ${p} is not a positive integer` };
  }
  return undefined;
}
