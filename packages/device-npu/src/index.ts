/**
 * device-npu: an Ascend-style NPU simulator (GM, per-core Unified Buffer, DMA, vector unit, poison
 * mode, explain), its spec and dtypes, a generic UB tiling planner, and the `npu` device of the framework.
 * It knows no op: an op family brings its kernels, declares their UB buffers and plans them with `planUbTiling`.
 */
export * from './dtype.js';
export * from './spec.js';
export * from './soc.js';
export * from './errors.js';
export { GmBuffer } from './gm.js';
export { UbBuf, UnifiedBuffer, type UbAllocOptions } from './ub.js';
export { WASM_SCRATCH_BYTES, type ArenaPlace, type WasmArena, type WasmArenaMemory } from './wasm-arena.js';
export { npuArena } from './npu-arena.js';
export { setVectorWasm } from './vector-wasm.js';
export { MAX_REPEAT, VECTOR_BLOCK_BYTES, VectorUnit, reduceTmpElems, type VectorCounters } from './vector.js';
export type { DmaCounters, DmaPadding } from './dma.js';
export { WriteLedger } from './write-ledger.js';
export { NpuSimulator, type KernelContext, type LaunchInfo, type SimulatorOptions } from './sim.js';
export { LaunchLog, type GroupRecord, type LaunchRecord, type LaunchTotals } from './launch-records.js';
export { buildExplain, formatExplain, type ExplainGroup, type ExplainReport } from './explain.js';
export {
  DEFAULT_BUFFER_NUM, DEFAULT_UB_MARGIN, findUbTiling, measureUbTiling, planBuffers, planUbTiling, sumBufferBytes, ubBudgetBytes, ubBufferBytes, ubLimitsOf, type BufferNum,
  type PlannedBuffer, type UbBufferDecl, type UbBufferLayout, type UbLimits, type UbTiling, type UbTilingRequest,
} from './ub-tiling.js';
export { allocPlanned, plannedBuffer } from './alloc-planned.js';
export { loadF32, storeF32 } from './half-staging.js';
export { npuDevice, registerNpu, configureNpuDevice, npuSimulator, setNpuCorePool, type NpuDeviceOptions } from './device.js';
export {
  runCoreJob, type CoreWrites, type JobArena, type JobGm, type NpuCoreJob, type NpuCorePool, type NpuCoreResult, type ParallelBody, type ParallelKernel,
} from './parallel.js';
export type { CoreCounts } from './core-context.js';
export { ubWrite, ubRead, ubStage, seededValues } from './testing.js';
