/**
 * @mta/device-npu: an Ascend-style NPU simulator (GM, per-core Unified Buffer, DMA, vector unit), a planner
 * that tiles multi-token attention against the UB, the Liger-Kernel PR #1122 preset, and the MTA kernels.
 * No device is registered here; core registration is done by the caller.
 */
export * from './dtype.js';
export * from './spec.js';
export * from './errors.js';
export { GmBuffer } from './gm.js';
export { UbBuf, UnifiedBuffer, type UbAllocOptions } from './ub.js';
export { VectorUnit, type VectorCounters } from './vector.js';
export type { DmaCounters } from './dma.js';
export { NpuSimulator, type KernelContext, type LaunchInfo, type LaunchRecord, type GroupRecord, type SimulatorOptions } from './sim.js';
export { buildExplain, formatExplain, type ExplainGroup, type ExplainReport } from './explain.js';
export * from './plan-types.js';
export {
  planMta, assertPlanFits, kernelByName, balancedBlock, alignedBytes, sumBytes, DEFAULT_MARGIN, ROW_CHUNK, SPARSEMAX_CANDIDATES,
  bandForwardBuffers, bandTransposeBuffers, rowKernelBuffers, reduceBuffers, type PlanOptions,
} from './planner.js';
export { planLigerPr1122, prRowBlock, prMaskTile, prForwardUnwrittenPerMap, nextPow2, floorPow2 } from './planner-pr1122.js';
export { planCoverage, type CoverageEntry } from './coverage.js';
export { formatPlanReport, type PlanReportOptions } from './plan-report.js';
export {
  type NpuMtaConfig, type NpuMtaShape, type NpuMtaMode, type MtaGeometry, NPU_MASKED_SCORE, mtaGeometry, defaultNpuMtaConfig,
} from './kernels/geometry.js';
export {
  npuMtaForward, npuMtaBackward, npuMtaFreeSaved, type NpuMtaOptions, type NpuMtaSaved, type NpuMtaForwardResult, type NpuMtaBackwardResult,
} from './kernels/mta.js';
export { runLigerPr1122SoftmaxForward, type PrForwardResult } from './kernels/pr1122.js';
export { SparsemaxTauSearch, type ThresholdEvaluator } from './kernels/sparsemax-tau.js';
export { loadF32, storeF32, allocPlanned } from './kernels/io.js';
export { npuDevice, registerNpu, configureNpuDevice, npuSimulator, type NpuDeviceOptions } from './device.js';
