/** The model folders models/index.json lists (tests read whatever is there; nothing is hard-coded). */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseModelIndex, type ModelIndexEntry } from '../../src/core/sampler/manifest';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const INDEX = join(ROOT, 'models', 'index.json');

export interface ListedModel extends ModelIndexEntry {
  dir: string;
  hasFixtures: boolean;
}

export function listedModels(): ListedModel[] {
  if (!existsSync(INDEX)) return [];
  return parseModelIndex(JSON.parse(readFileSync(INDEX, 'utf8'))).map((e) => {
    const dir = resolve(ROOT, 'models', e.path);
    return { ...e, dir, hasFixtures: existsSync(join(dir, 'fixtures', 'fixtures.json')) };
  });
}
