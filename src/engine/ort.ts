/**
 * The single import of onnxruntime-web. In Node, 'onnxruntime-web' resolves to its node build (WASM backend);
 * in the browser (Vite) to the bundle with WebGPU (JSEP) and WASM.
 */
import * as ort from 'onnxruntime-web';

export { ort };

// onnxruntime prints its warnings (e.g. "some nodes were not assigned to the preferred execution providers",
// which is expected: shape ops run on CPU) through console.error; keep only real errors.
ort.env.logLevel = 'error';

export interface OrtConfig {
  /** WASM threads; takes effect only before the first session is created (onnxruntime initialises once). */
  numThreads?: number;
  /** URL or path prefix of the .wasm/.mjs files, when they are not next to the bundle. */
  wasmPaths?: string;
  logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
}

let initialised = false;

export function configureOrt(cfg: OrtConfig): void {
  if (cfg.numThreads !== undefined) {
    if (initialised && ort.env.wasm.numThreads !== cfg.numThreads) {
      throw new Error('onnxruntime-web is already initialised: numThreads can only be set before the first session');
    }
    ort.env.wasm.numThreads = cfg.numThreads;
  }
  if (cfg.wasmPaths !== undefined) ort.env.wasm.wasmPaths = cfg.wasmPaths;
  ort.env.logLevel = cfg.logLevel ?? 'error';
}

export function markOrtInitialised(): void {
  initialised = true;
}

export function webGpuAvailable(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator && (navigator as { gpu?: unknown }).gpu !== undefined;
}
