export {
  EVAL_BACKENDS, ALL_BACKENDS, deviceBackend, ortBackend, webgpuBackend, releaseEvalBackends, exportMtaProblem, mtaOptionsOf, resolveBackends,
  type BackendName, type EvalBackend, type OrtRunner,
} from './backends';
export * from './compare';
export * from './problem';
export * from './tiny-model';
export { probeOrtWebgpu } from './ort-webgpu-probe';
