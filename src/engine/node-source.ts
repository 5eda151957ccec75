/** Node-only model source (CLI, tests). */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ModelLoadError } from './errors';
import type { ByteProgress, ModelSource } from './source';

export class FileModelSource implements ModelSource {
  constructor(readonly dir: string) {}

  describe(relPath: string): string {
    const p = join(this.dir, relPath);
    const r = relative(process.cwd(), p);
    return r.startsWith('..') ? p : r;
  }

  async read(relPath: string, onProgress?: ByteProgress): Promise<Uint8Array> {
    try {
      const b = new Uint8Array(await readFile(join(this.dir, relPath)));
      onProgress?.(b.length, b.length);
      return b;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT') throw new ModelLoadError('missing', this.describe(relPath), 'missing (no such file)');
      throw new ModelLoadError('missing', this.describe(relPath), `unreadable (${code ?? String(e)})`);
    }
  }
}
