export { registerWebgpuMtaKernels } from './register.js';
export { mtaForwardWebgpu } from './mta-forward.js';
export { mtaBackwardWebgpu, type MtaBackwardInputs } from './mta-backward.js';
export { planWeightGrad, type WeightGradPlan } from './weight-grad-shaders.js';
