import { runWithOrtModule, type OrtModuleLike } from './session';
import type { OrtFeeds, OrtRunOptions, OrtRunResult } from './types';
import { OrtBackendError, errorMessage } from './types';

let loaded: Promise<OrtModuleLike> | undefined;

/**
 * onnxruntime-web under node (the package's `node` export, wasm read from disk). One thread:
 * it must be set before the first session, and threads need cross-origin isolation in browsers anyway.
 */
export function loadOrtWeb(): Promise<OrtModuleLike> {
  loaded ??= import('onnxruntime-web').then(
    (mod) => {
      mod.env.wasm.numThreads = 1;
      mod.env.wasm.proxy = false;
      return mod as unknown as OrtModuleLike;
    },
    (error: unknown) => {
      loaded = undefined;
      throw new OrtBackendError(
        'ort-web',
        `onnxruntime-web is not installed or failed to load: ${errorMessage(error)}. Run \`pnpm install\`.`,
        { cause: error },
      );
    },
  );
  return loaded;
}

/** Runs a model with onnxruntime-web's wasm execution provider inside this node process. */
export async function runOrtWeb(modelBytes: Uint8Array, feeds: OrtFeeds, options: OrtRunOptions = {}): Promise<OrtRunResult> {
  const ort = await loadOrtWeb();
  return runWithOrtModule('ort-web', ort, 'wasm', modelBytes, feeds, options.runs);
}
