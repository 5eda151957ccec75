/**
 * The ID assignment of a run's window, in the three modes the IDs panel offers: sequential (0..N-1), seeded
 * random (as in training), and by hand. A hand-made table is checked entry by entry; a duplicate or an ID
 * outside the pool is refused with a message that names the other entity.
 */
import { assignSeededRandom, assignSequential, capacityMessage, poolSize, type PoolLike } from '../ids';

export type IdMode = 'sequential' | 'random' | 'manual';
export const ID_MODES: readonly IdMode[] = ['sequential', 'random', 'manual'];

/** What the panel shows for one entity of the window. */
export interface IdEntity {
  /** stable identity in the source file (pedestrian id, atom index) */
  sourceId: string;
  label: string;
  element?: string;
}

export interface IdOptions {
  /** seed of the random mode */
  seed: number;
  /** hand-made IDs by source id (manual mode); entities without one get the smallest free IDs */
  manual?: Readonly<Record<string, number>>;
}

/** How an entity is named in messages: its label, plus the source id when the label does not contain it. */
export function entityName(e: IdEntity): string {
  return e.label && e.label !== e.sourceId ? (e.label.includes(e.sourceId) ? e.label : `${e.label} (id ${e.sourceId})`) : `entity ${e.sourceId}`;
}

/** The assignment for the window's entities in `mode`. Throws (capacity message) when N exceeds the pool. */
export function assignWindowIds(mode: IdMode, entities: readonly IdEntity[], pool: PoolLike, opts: IdOptions): number[] {
  const n = entities.length;
  if (mode === 'sequential') return assignSequential(n, pool);
  if (mode === 'random') return assignSeededRandom(n, pool, opts.seed);
  const p = poolSize(pool);
  if (n > p) throw new Error(capacityMessage(n, p));
  const manual = opts.manual ?? {};
  const ids = entities.map((e) => (Object.hasOwn(manual, e.sourceId) ? manual[e.sourceId] : -1));
  const used = new Set(ids.filter((v) => v >= 0));
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (ids[i] >= 0) continue;
    while (used.has(next)) next++;
    ids[i] = next;
    used.add(next);
  }
  const bad = checkIdTable(entities, ids, p);
  if (bad.length) throw new Error(bad.map((b) => b.message).join('; '));
  return ids;
}

export interface IdRefusal {
  /** row (window entity) the problem is about */
  row: number;
  message: string;
}

/** Checks a whole table; every problem names the rows involved. */
export function checkIdTable(entities: readonly IdEntity[], ids: readonly number[], pool: PoolLike): IdRefusal[] {
  const p = poolSize(pool);
  const out: IdRefusal[] = [];
  const owner = new Map<number, number>();
  ids.forEach((id, row) => {
    const r = checkIdValue(id, p);
    if (r) {
      out.push({ row, message: `${entityName(entities[row])}: ${r}` });
      return;
    }
    const other = owner.get(id);
    if (other !== undefined) out.push({ row, message: `${entityName(entities[row])}: ID ${id} is already used by ${entityName(entities[other])}` });
    else owner.set(id, row);
  });
  return out;
}

function checkIdValue(id: number, p: number): string | null {
  if (!Number.isInteger(id)) return `ID ${String(id)} is not a whole number`;
  if (id < 0 || id >= p) return `ID ${id} is outside the pool 0–${p - 1}`;
  return null;
}

/**
 * Validates one hand edit: `text` typed into `row`'s cell while the others keep `ids`. Returns the accepted
 * number, or the refusal naming the clash (the table is left as it was).
 */
export function checkIdEdit(entities: readonly IdEntity[], ids: readonly number[], row: number, text: string, pool: PoolLike): { ok: true; id: number } | { ok: false; message: string } {
  const p = poolSize(pool);
  const t = text.trim();
  if (!/^[-+]?\d+$/.test(t)) return { ok: false, message: `“${t}” is not a whole number; IDs are 0–${p - 1}` };
  const id = Number(t);
  const r = checkIdValue(id, p);
  if (r) return { ok: false, message: r };
  const other = ids.findIndex((v, i) => i !== row && v === id);
  if (other >= 0) return { ok: false, message: `ID ${id} is already used by ${entityName(entities[other])}` };
  return { ok: true, id };
}

/** A manual table holding exactly `ids` for `entities` (used when switching to the hand mode). */
export function manualFrom(entities: readonly IdEntity[], ids: readonly number[], base: Readonly<Record<string, number>> = {}): Record<string, number> {
  const out: Record<string, number> = { ...base };
  entities.forEach((e, i) => {
    out[e.sourceId] = ids[i];
  });
  return out;
}

/** The ID seed of the next re-roll: a fixed sequence from the current seed, so a session's re-rolls are reproducible. */
export function nextIdSeed(seed: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + 0x165667b1) >>> 1;
}
