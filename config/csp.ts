/**
 * The page's security headers, one definition for the built app (a <meta> tag in index.html), Vite's dev and
 * preview servers, the e2e static server and the README (test/unit/config/csp.test.ts keeps the README in step).
 *
 * What the app needs, verified in Chromium by the e2e CSP test (which fails on any securitypolicyviolation):
 * - script-src 'self' 'wasm-unsafe-eval': every script is a same-origin file (no inline script, no eval);
 *   onnxruntime-web compiles its .wasm with WebAssembly.instantiateStreaming, which 'wasm-unsafe-eval' allows
 *   without allowing JavaScript eval.
 * - worker-src 'self': the parse and sampling workers are same-origin module files, and so are onnxruntime-web's
 *   own thread workers: it starts them from its own script URL (new Worker(import.meta.url)) and makes a blob:
 *   copy only when that script is cross-origin, which here it never is. No blob: needed.
 * - connect-src 'self': models, demo scenes and the .wasm are fetched from the app's origin (the dev server's
 *   HMR websocket is same-origin as well).
 * - img-src 'self' data:: the icons, and the plots' images. @observablehq/plot draws its raster mark (the latent
 *   view) and colour ramps on a canvas and embeds the result as a data: PNG in the SVG. An image cannot run code;
 *   no blob: is needed (the 3-D view is WebGL, exports are downloads, not images).
 * - style-src 'self' 'unsafe-inline': the stylesheet file, plus the <style> element and style attributes that
 *   @observablehq/plot writes into every figure it makes (its class rules, whose names and content vary with the
 *   plot's options, so no hash can list them). CSS cannot run script, and script-src stays strict; React and
 *   three.js set element styles through the CSSOM (element.style), which CSP does not restrict anyway.
 * In development Vite's client and the React refresh preamble are inline, so the dev server adds a per-start
 * nonce for scripts and styles (Vite puts it on the tags it injects: `html.cspNonce`).
 */

export interface CspOptions {
  /** dev server only: the nonce Vite gives its injected <script>/<style> tags */
  nonce?: string;
  /** the <meta> form: directives a meta tag cannot carry (frame-ancestors) are left out, or Chromium warns */
  meta?: boolean;
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const nonce = opts.nonce ? ` 'nonce-${opts.nonce}'` : '';
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${nonce}`,
    "worker-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    // A nonce would switch 'unsafe-inline' off (CSP 3), so the dev server's nonce is not added here.
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
    ...(opts.meta ? [] : ["frame-ancestors 'none'"]),
  ];
  return directives.join('; ');
}

/**
 * Headers every response of the app must carry. COOP/COEP make the page cross-origin isolated, which
 * onnxruntime-web's threaded WASM (SharedArrayBuffer) needs; the CSP goes on every response because workers
 * (and the service worker) take their policy from their own script's response, not from the page.
 */
export function securityHeaders(opts: CspOptions = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(opts),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
