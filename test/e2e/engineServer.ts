/**
 * A Vite dev server for the engine test page (test/e2e/pages/engine.html): serves the TypeScript engine as the
 * app does, plus extra folders (temporary model folders) under given URL prefixes. Binds 127.0.0.1 (a secure
 * context, which WebGPU requires), with the project's COOP/COEP headers.
 */
import { createReadStream, statSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';
import { createServer, type Plugin, type ViteDevServer } from 'vite';

const ROOT = resolve(import.meta.dirname, '..', '..');

function serveFolders(mounts: Record<string, string>): Plugin {
  return {
    name: 'lamslide-test-mounts',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
        for (const [prefix, dir] of Object.entries(mounts)) {
          if (!url.startsWith(prefix)) continue;
          const file = normalize(join(dir, url.slice(prefix.length)));
          if (!file.startsWith(resolve(dir) + sep)) break;
          let size: number;
          try {
            const st = statSync(file);
            if (!st.isFile()) throw new Error('not a file');
            size = st.size;
          } catch {
            res.statusCode = 404;
            res.setHeader('Content-Type', 'text/plain');
            res.end('not found');
            return;
          }
          res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
          res.setHeader('Content-Length', String(size));
          res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
          createReadStream(file).pipe(res);
          return;
        }
        next();
      });
    },
  };
}

export async function startEngineServer(mounts: Record<string, string> = {}): Promise<{ url: string; server: ViteDevServer }> {
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
    plugins: [serveFolders(mounts)],
  });
  await server.listen();
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('vite dev server has no address');
  return { url: `http://127.0.0.1:${addr.port}`, server };
}
