export * from './types';
export { runOrtNode, loadOrtNode } from './node';
export { runOrtWeb, loadOrtWeb } from './web';
export { OrtPlacementError, runOrtWebgpu, type OrtWebgpuRunResult } from './webgpu';
export { CPU_EP, formatPlacement, notOnWebgpu, placementOf, profileTarget, SHAPE_OPS, WEBGPU_EP, type EpPlacement } from './ep-placement';
export { buildMtaModel, MTA_MODEL_INPUT, MTA_MODEL_OUTPUT, type MtaModelSpec } from './mta-model';
export { readGoldenForwardCases, DEFAULT_GOLDEN_DIR, type GoldenForwardCase } from './golden-reader';
export { compareTensors, type Comparison } from './compare';
export type { OrtModuleLike } from './session';
