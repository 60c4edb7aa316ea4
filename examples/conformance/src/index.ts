export { EVAL_BACKENDS, ALL_BACKENDS, resolveBackends, type BackendName } from './backends';
export type { EvalBackend } from './eval-backend';
export { deviceBackend } from './device-backend';
export { ortBackend, type OrtRunner } from './ort-backend';
export { exportMtaProblem, mtaOptionsOf } from './export-problem';
export * from './compare';
export * from './problem';
export * from './tiny-model';
