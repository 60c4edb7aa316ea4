/**
 * @mta/device-npu: an Ascend-style NPU simulator (GM, per-core Unified Buffer, DMA, vector unit), a planner
 * that tiles multi-token attention against the UB, the Liger-Kernel PR #1122 preset, and the MTA kernels.
 * No device is registered here; core registration is done by the caller.
 */
export * from './dtype';
export * from './spec';
export * from './errors';
export { GmBuffer } from './gm';
export { UbBuf, UnifiedBuffer, type UbAllocOptions } from './ub';
export { VectorUnit, type VectorCounters } from './vector';
export type { DmaCounters } from './dma';
export { NpuSimulator, type KernelContext, type LaunchInfo, type LaunchRecord, type GroupRecord, type SimulatorOptions } from './sim';
export { buildExplain, formatExplain, type ExplainGroup, type ExplainReport } from './explain';
export * from './plan-types';
export {
  planMta, assertPlanFits, kernelByName, balancedBlock, alignedBytes, sumBytes, DEFAULT_MARGIN, ROW_CHUNK, SPARSEMAX_CANDIDATES,
  bandForwardBuffers, bandTransposeBuffers, rowKernelBuffers, reduceBuffers, type PlanOptions,
} from './planner';
export { planLigerPr1122, prRowBlock, prMaskTile, prForwardUnwrittenPerMap, nextPow2, floorPow2 } from './planner-pr1122';
export { planCoverage, type CoverageEntry } from './coverage';
export { formatPlanReport, type PlanReportOptions } from './plan-report';
export {
  type NpuMtaConfig, type NpuMtaShape, type NpuMtaMode, type MtaGeometry, NPU_MASKED_SCORE, mtaGeometry, defaultNpuMtaConfig,
} from './kernels/geometry';
export {
  npuMtaForward, npuMtaBackward, npuMtaFreeSaved, type NpuMtaOptions, type NpuMtaSaved, type NpuMtaForwardResult, type NpuMtaBackwardResult,
} from './kernels/mta';
export { runLigerPr1122SoftmaxForward, type PrForwardResult } from './kernels/pr1122';
export { SparsemaxTauSearch, type ThresholdEvaluator } from './kernels/sparsemax-tau';
export { loadF32, storeF32, allocPlanned } from './kernels/io';
export { npuDevice, configureNpuDevice, npuSimulator, type NpuDeviceOptions } from './device';
