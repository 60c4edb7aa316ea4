/**
 * MTA on the npu device: the call geometry, the UB plans (default and the Liger-Kernel PR #1122 preset),
 * their coverage and report, the kernels that run in device-npu's simulator, and their registration.
 */
export { registerNpuMtaKernels } from './register.js';
export {
  type NpuMtaConfig, type NpuMtaShape, npuCallGeometry, defaultNpuMtaConfig,
} from './geometry.js';
export { NPU_MTA_PLANNERS } from './plan-types.js';
export type {
  NpuMtaPlan, NpuKernelPlan, NpuMtaPlannerName, Tiling as NpuMtaTiling, BandTiling, RowTiling, ReduceTiling, PrRowTiling, PrTileTiling, ExternalTiling,
} from './plan-types.js';
export { planNpuMta, MAX_NPU_PLAN_L, assertPlanFits, kernelByName, balancedBlock, DEFAULT_MARGIN, ROW_CHUNK, SPARSEMAX_CANDIDATES, type NpuMtaPlanOptions } from './planner.js';
export { bandForwardBuffers, bandTransposeBuffers, rowKernelBuffers, reduceBuffers } from './ub-buffers.js';
export { planLigerPr1122, prRowBlock, prMaskTile, prForwardUnwrittenPerMap, nextPow2, floorPow2 } from './planner-pr1122.js';
export { planLigerAscend, ligerSoftmaxBlock, ligerMaskRowBlock, ligerTilingBlock, LIGER_ASCEND_MARGIN } from './planner-liger-ascend.js';
export { cachedNpuMtaPlan } from './plan-cache.js';
export { planCoverage, blocksBeforeDiagonalUnwritten, type CoverageEntry } from './plan-coverage.js';
export { formatNpuPlanReport, type PlanReportOptions } from './plan-report.js';
export {
  npuMtaForward, npuMtaBackward, npuMtaFreeSaved, type NpuMtaOptions, type NpuMtaGradOutputs, type NpuMtaSaved, type NpuMtaForwardResult, type NpuMtaBackwardResult,
} from './forward-backward.js';
export { runLigerPr1122SoftmaxForward, runLigerRowSoftmaxForward, type PrForwardResult } from './pr1122-forward.js';
export { SparsemaxTauSearch, type ThresholdEvaluator } from './sparsemax-tau.js';
export { axpyTaps, dotTaps, axpyDotTaps, axpyTapsMulti, axpyDotTapsMulti } from './vector-taps.js';
export { setWasmTaps } from './vector-taps-wasm.js';
export { DEFAULT_LINT_GRID, LINT_VARIANTS, powerOfTwoNeighbourhood, type LintGrid, type LintVariant } from './lint-grid.js';
export {
  lintNpu, ruleOf, type LintCase, type LintKernelSummary, type LintOptions, type LintReport, type LintViolation,
} from './lint-run.js';
