/**
 * Kernels shipped as WebAssembly (base64 of modules assembled from WAT at build time): the slice of the
 * WebAssembly API they use, typed here because core's TypeScript lib has no WebAssembly types, and one
 * decode-validate-compile step, done once per module. A module an engine cannot validate (no SIMD) is null,
 * and its caller keeps its JavaScript loops.
 */
export interface WasmModuleHandle {
  readonly wasmModuleBrand?: never;
}

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => WasmModuleHandle;
  readonly Instance: new (module: WasmModuleHandle, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
}

/** The engine's WebAssembly, or undefined where it has none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** A getter of the module `base64` holds, compiled on first use; null without WebAssembly or when it does not validate. */
export function lazyWasmModule(base64: string): () => WasmModuleHandle | null {
  let module: WasmModuleHandle | null | undefined;
  return () => {
    if (module !== undefined) return module;
    module = null;
    if (wasmApi === undefined) return module;
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    if (wasmApi.validate(bytes)) module = new wasmApi.Module(bytes);
    return module;
  };
}
