import { runWithOrtModule, type OrtModuleLike } from './session';
import type { OrtFeeds, OrtRunOptions, OrtRunResult } from './types';
import { OrtBackendError, errorMessage } from './types';

let loaded: Promise<OrtModuleLike> | undefined;

/** onnxruntime-node, loaded on first use so a missing or broken install fails with a named reason. */
export function loadOrtNode(): Promise<OrtModuleLike> {
  loaded ??= import('onnxruntime-node').then(
    (mod) => mod as unknown as OrtModuleLike,
    (error: unknown) => {
      loaded = undefined;
      throw new OrtBackendError(
        'ort-node',
        `onnxruntime-node is not installed or its native binding failed to load: ${errorMessage(error)}. ` +
          'Run `pnpm install` (its CPU backend ships in the npm package; no install script is needed).',
        { cause: error },
      );
    },
  );
  return loaded;
}

/** Runs a model with onnxruntime-node on its CPU execution provider (never a GPU one). */
export async function runOrtNode(modelBytes: Uint8Array, feeds: OrtFeeds, options: OrtRunOptions = {}): Promise<OrtRunResult> {
  const ort = await loadOrtNode();
  return runWithOrtModule('ort-node', ort, 'cpu', modelBytes, feeds, options.runs);
}
