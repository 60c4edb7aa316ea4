export { allocateMtaArray, type AllocateOptions, type MtaDType } from './arrays';
export { mtaBackward, mtaForward } from './fused';
export { MtaCpuPool, type MtaCpuPoolOptions } from './pool';
export type {
  MtaArray, MtaBackwardOutputs, MtaBackwardResult, MtaForwardOutputs, MtaForwardResult, MtaSaved,
} from './types';
export { MtaCpuWorkspace, type MtaCpuWorkspaceOptions } from './workspace';
