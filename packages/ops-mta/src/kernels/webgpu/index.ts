/**
 * `@mta/ops-mta/webgpu`: multi-token attention on the webgpu device. A separate entry, so that the op
 * package works without `@mta/device-webgpu` installed (an optional peer dependency); `registerMta()`
 * leaves webgpu alone.
 *
 *   import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
 *   registerMtaWebgpu();
 *   await initDevice('webgpu');
 */
import { registerWebgpu } from '@mta/device-webgpu';
import { registerWebgpuMtaKernels } from './register.js';

export { registerWebgpuMtaKernels };
export { mtaForwardWebgpu } from './mta-forward.js';
export { mtaBackwardWebgpu, type MtaBackwardInputs } from './mta-backward.js';
export { planWeightGrad, type WeightGradPlan } from './weight-grad-shaders.js';
export { timeMtaWebgpu, type MtaPassTimes, type MtaWebgpuTiming, type MtaWebgpuTimingOptions } from './timing.js';

/** The webgpu device (no GPU touched until `initDevice('webgpu')`) and the MTA kernels on it; one disposer. */
export function registerMtaWebgpu(): () => void {
  const disposers = [registerWebgpu(), registerWebgpuMtaKernels()];
  return () => disposers.reverse().forEach((d) => d());
}
