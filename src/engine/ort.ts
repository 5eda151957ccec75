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
  /**
   * The .wasm binary itself (fetched by us, with progress): onnxruntime then skips its own download. It must be
   * the build the loaded bundle expects: in the browser (ort.bundle.min.mjs, WebGPU + WASM) that is
   * ort-wasm-simd-threaded.jsep.wasm, in Node (ort.node.min.mjs) ort-wasm-simd-threaded.wasm. Threaded WASM
   * works with it: the pthread workers receive the compiled module, not the URL. Only before the first session.
   */
  wasmBinary?: Uint8Array;
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
  if (cfg.wasmBinary !== undefined) {
    if (initialised) throw new Error('onnxruntime-web is already initialised: wasmBinary can only be set before the first session');
    ort.env.wasm.wasmBinary = cfg.wasmBinary;
  }
  ort.env.logLevel = cfg.logLevel ?? 'error';
}

export function markOrtInitialised(): void {
  initialised = true;
}

/** Whether a session was created already (then the WASM module is loaded and its settings are fixed). */
export function ortInitialised(): boolean {
  return initialised;
}

export function webGpuAvailable(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator && (navigator as { gpu?: unknown }).gpu !== undefined;
}
