import { notOnWebgpu, profileTarget, type EpPlacement } from './ep-placement';
import { loadOrtNode } from './node';
import { runWithOrtModule } from './session';
import type { OrtFeeds, OrtRunOptions, OrtRunResult } from './types';
import { OrtBackendError } from './types';

/**
 * The run finished, but nodes of real work ran on another EP (ORT 1.30's WebGPU EP has no IsNaN kernel, for one,
 * which the exported sparsemax uses): the results are right and are not a WebGPU run. `placement` says where each
 * node ran.
 */
export class OrtPlacementError extends OrtBackendError {
  constructor(readonly placement: EpPlacement, reason: string) {
    super('ort-webgpu', `the run did not stay on the WebGPU execution provider: ${reason}`);
    this.name = 'OrtPlacementError';
  }
}

/** A run on the WebGPU EP, with the node placement read from ORT's profile. */
export interface OrtWebgpuRunResult extends OrtRunResult {
  readonly placement: EpPlacement;
}

/**
 * Runs a model on onnxruntime-node's WebGPU execution provider (its Linux x64 build carries Dawn; it uses the
 * Vulkan loader and driver files like the `webgpu` package: VK_ICD_FILENAMES / VK_DRIVER_FILES). Without an
 * adapter session creation fails ("No supported adapters"); a node the EP cannot run would silently go to the
 * CPU EP, so every run is profiled and fails with an OrtPlacementError unless all real work ran on WebGPU.
 */
export async function runOrtWebgpu(modelBytes: Uint8Array, feeds: OrtFeeds, options: OrtRunOptions = {}): Promise<OrtWebgpuRunResult> {
  const ort = await loadOrtNode();
  const profile = profileTarget();
  let result: OrtRunResult;
  try {
    result = await runWithOrtModule('ort-webgpu', ort, 'webgpu', modelBytes, feeds, options.runs, { enableProfiling: true, profileFilePrefix: profile.prefix });
  } catch (error) {
    // Only to remove the profile directory: a session that never started wrote no profile.
    try { profile.collect(); } catch { /* nothing to read */ }
    throw error;
  }
  const placement = profile.collect();
  const reason = notOnWebgpu(placement);
  if (reason !== undefined) throw new OrtPlacementError(placement, reason);
  return { ...result, placement };
}
