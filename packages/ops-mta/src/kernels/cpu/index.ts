export { allocateMtaArray, type AllocateOptions, type MtaDType } from './arrays.js';
export { mtaBackward, mtaForward } from './fused.js';
export type {
  MtaArray, MtaBackwardOutputs, MtaBackwardResult, MtaForwardOutputs, MtaForwardResult, MtaInferenceOutputs, MtaInferenceResult, MtaRecomputeSaved, MtaSaved,
} from './types.js';
export { MtaCpuWorkspace, type MtaCpuWorkspaceOptions } from './workspace.js';
export { mtaCpuKernelInfo } from './kernel-info.js';
