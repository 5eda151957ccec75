/**
 * Where model files come from: `fetch` in the browser (URL of the model folder), the file system in Node
 * (see node-source.ts, kept apart so browser bundles never see node:fs).
 */
import { ModelLoadError } from './errors';

export interface ModelSource {
  /** Human-readable location of a file of the folder, used in error messages. */
  describe(relPath: string): string;
  /** Reads a file of the folder; throws ModelLoadError('missing') when it does not exist. */
  read(relPath: string): Promise<Uint8Array>;
}

export class UrlModelSource implements ModelSource {
  private readonly base: string;

  constructor(baseUrl: string) {
    this.base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  }

  describe(relPath: string): string {
    return this.base + relPath;
  }

  async read(relPath: string): Promise<Uint8Array> {
    const url = this.describe(relPath);
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new ModelLoadError('missing', url, `could not be fetched (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!res.ok) throw new ModelLoadError('missing', url, `missing (HTTP ${res.status})`);
    // Vite's dev server answers unknown paths with index.html (SPA fallback): that is a missing file too.
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('text/html') && !relPath.endsWith('.html')) throw new ModelLoadError('missing', url, 'missing (the server returned an HTML page instead)');
    return new Uint8Array(await res.arrayBuffer());
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
