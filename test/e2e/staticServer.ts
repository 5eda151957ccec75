/**
 * Static file server for the built app with the headers the README asks of a static host (config/csp.ts:
 * CSP, and the cross-origin isolation onnxruntime-web's threaded WASM needs) and correct MIME types (WASM
 * streaming compilation refuses anything but application/wasm). Binds 127.0.0.1 on a free port.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { securityHeaders } from '../../config/csp.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.pdb': 'text/plain; charset=utf-8',
  '.xyz': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Serves `root`. `overlays` maps URL prefixes ("/models/") to folders looked in first: a file found there wins,
 * anything else falls through to `root` (tests add a model or replace models/index.json this way).
 */
export async function serveDirectory(root: string, overlays: Record<string, string> = {}): Promise<RunningServer> {
  const base = resolve(root);
  const server: Server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(base, urlPath));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    for (const [prefix, dir] of Object.entries(overlays)) {
      if (!urlPath.startsWith(prefix)) continue;
      const o = normalize(join(resolve(dir), urlPath.slice(prefix.length)));
      if (o.startsWith(resolve(dir) + sep) && statSafe(o)?.isFile()) file = o;
    }
    let stat = statSafe(file);
    if (stat?.isDirectory()) {
      file = join(file, 'index.html');
      stat = statSafe(file);
    }
    const headers = { ...securityHeaders(), 'Cache-Control': 'no-store' };
    if (!stat?.isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': mimeType(file), 'Content-Length': stat.size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

function statSafe(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
