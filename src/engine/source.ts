/**
 * Where model files come from: `fetch` in the browser (URL of the model folder), the file system in Node
 * (see node-source.ts, kept apart so browser bundles never see node:fs).
 */
import { ModelLoadError } from './errors';

/** Bytes read so far of one file, and its size when known (null: the server did not say). */
export type ByteProgress = (loaded: number, total: number | null) => void;

export interface ModelSource {
  /** Human-readable location of a file of the folder, used in error messages. */
  describe(relPath: string): string;
  /** Reads a file of the folder; throws ModelLoadError('missing') when it does not exist. */
  read(relPath: string, onProgress?: ByteProgress): Promise<Uint8Array>;
}

/** Progress is reported at most every this many bytes (and at the end), so a 28 MB file sends ~100 messages. */
const PROGRESS_STEP = 256 * 1024;

/**
 * Fetches a URL as bytes, reporting progress while the body streams in. `describe` names the file in errors.
 * A compressed transfer (Content-Encoding) has no usable total: its Content-Length counts the compressed bytes.
 */
export async function fetchBytes(url: string, onProgress?: ByteProgress, describe: string = url): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new ModelLoadError('missing', describe, `could not be fetched (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) throw new ModelLoadError('missing', describe, `missing (HTTP ${res.status})`);
  // Vite's dev server answers unknown paths with index.html (SPA fallback): that is a missing file too.
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('text/html') && !url.endsWith('.html')) throw new ModelLoadError('missing', describe, 'missing (the server returned an HTML page instead)');
  const encoding = res.headers.get('content-encoding');
  const length = Number(res.headers.get('content-length'));
  const total = (!encoding || encoding === 'identity') && Number.isFinite(length) && length > 0 ? length : null;
  if (!onProgress || !res.body) {
    const b = new Uint8Array(await res.arrayBuffer());
    onProgress?.(b.length, total ?? b.length);
    return b;
  }
  onProgress(0, total);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let reported = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (loaded - reported >= PROGRESS_STEP) {
      reported = loaded;
      onProgress(loaded, total);
    }
  }
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  onProgress(loaded, total ?? loaded);
  return out;
}

export class UrlModelSource implements ModelSource {
  private readonly base: string;

  constructor(baseUrl: string) {
    this.base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  }

  describe(relPath: string): string {
    return this.base + relPath;
  }

  read(relPath: string, onProgress?: ByteProgress): Promise<Uint8Array> {
    return fetchBytes(this.describe(relPath), onProgress);
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
