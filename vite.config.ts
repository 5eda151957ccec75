import { randomBytes } from 'node:crypto';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { contentSecurityPolicy, securityHeaders } from './config/csp.ts';
import { pwaOptions } from './config/pwa.ts';
import { modelsPlugin } from './src/engine/vite-plugin-models.ts';

// Relative imports name their files (.ts): Vite's coming native config loader (plain Node) needs that.

/** The built index.html carries its CSP as a <meta> tag, so the policy holds on any static host. */
function cspMeta(): Plugin {
  return {
    name: 'lamslide-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ meta: true }) }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig(({ command, isPreview }) => {
  // Development only: Vite's client and the React refresh preamble are inline scripts, allowed by a nonce that
  // changes with every dev-server start. Builds and `vite preview` have no inline script and no nonce.
  const devNonce = command === 'serve' && !isPreview ? randomBytes(18).toString('base64') : undefined;
  return {
    plugins: [react(), modelsPlugin(), cspMeta(), VitePWA(pwaOptions(import.meta.dirname))],
    html: { cspNonce: devNonce },
    // Multi-threaded WASM (onnxruntime-web) needs cross-origin isolation; see config/csp.ts for the CSP.
    server: { headers: securityHeaders({ nonce: devNonce }), host: '127.0.0.1' },
    preview: { headers: securityHeaders(), host: '127.0.0.1' },
    optimizeDeps: { exclude: ['onnxruntime-web'] },
    worker: { format: 'es' },
    build: {
      // The lazy app chunk holds three.js (~500 kB minified), the sampling worker onnxruntime-web (~430 kB); both
      // load after the first paint. What must stay small is the entry, and test/e2e/firstload.test.ts holds it
      // to 250 kB.
      chunkSizeWarningLimit: 800,
      rolldownOptions: {
        // vite-plugin-pwa's closeBundle bundles the service worker with Workbox (~10 s on two cores); that it
        // takes a while is known, and the timing report would be the only warning of a clean build.
        checks: { bundlerTimings: false },
      },
    },
  };
});
