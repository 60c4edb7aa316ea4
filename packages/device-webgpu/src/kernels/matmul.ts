import { MatMul, registerKernel, type KernelDef, type Tensor } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import type { WebgpuLimits } from '../context.js';
import { WebgpuDtypeError } from '../errors.js';
import { linearIndexPrelude, stridedOffsetFn } from './wgsl.js';

/**
 * Batched matmul (..., M, K) @ (..., K, N) with broadcast batch dims, float32, tiled in workgroup memory:
 * a workgroup computes a BM x BN block of one product; per step along K it stages a BM x BK panel of A and
 * a BK x BN panel of B in workgroup memory (each element read from storage once per block instead of once
 * per output), then each invocation accumulates an RM x RN register block from them. Operands are read
 * through their strides, so transposed weights and permuted heads cost no copy; the staging loop walks
 * each operand along its unit stride. Tile sizes come from the adapter's limits (the workgroup size and
 * workgroup storage), never from the problem size. On a CPU-based adapter (limits.software) each
 * invocation computes its register block straight from storage instead: there the CPU's caches do what
 * workgroup memory does on a GPU, and the barriers would cost more than they save.
 */
export interface MatmulTiles {
  /** Invocations along N and M: TX * TY = the workgroup size. */
  readonly tx: number;
  readonly ty: number;
  /** Outputs per invocation along M and N. */
  readonly rm: number;
  readonly rn: number;
  readonly bk: number;
}

/** The tiles for an adapter: 4 x 4 register blocks, BK = 16, shrunk until both panels fit workgroup storage. */
export function matmulTiles(limits: Pick<WebgpuLimits, 'workgroupSize' | 'maxWorkgroupStorageBytes'>): MatmulTiles {
  const wg = limits.workgroupSize;
  const tx = 2 ** Math.ceil(Math.log2(wg) / 2);
  const ty = wg / tx;
  let rm = 4, rn = 4, bk = 16;
  const bytes = () => (ty * rm * bk + bk * tx * rn) * 4;
  while (bytes() > limits.maxWorkgroupStorageBytes && bk > 4) bk /= 2;
  while (bytes() > limits.maxWorkgroupStorageBytes && (rm > 1 || rn > 1)) { rm = Math.max(1, rm / 2); rn = Math.max(1, rn / 2); }
  return { tx, ty, rm, rn, bk };
}

/** Batch strides of an operand broadcast to the output's batch shape (0 along broadcast dims). */
function batchStrides(t: Tensor, batchShape: readonly number[]): number[] {
  const own = t.ndim - 2;
  const lead = batchShape.length - own;
  return batchShape.map((_, d) => {
    const k = d - lead;
    return k < 0 || t.shape[k] === 1 ? 0 : t.strides[k]!;
  });
}

/** A panel to stage: rows x cols elements, element (r, c) at base + (row0 + r) * sr + (col0 + c) * sc, zero past rowEnd/colEnd. */
interface Panel {
  readonly dst: string; readonly src: string; readonly base: string;
  readonly rows: number; readonly cols: number; readonly sr: number; readonly sc: number;
  readonly row0: string; readonly rowEnd: number; readonly col0: string; readonly colEnd: number;
}

/** WGSL that stages a panel into `dst[r * cols + c]`, the workgroup's invocations sharing the elements. */
function stagePanel(p: Panel, wg: number): string {
  // Walk along whichever of the operand's axes is contiguous in memory, so neighbouring invocations read neighbouring words.
  const colsFastest = p.sc === 1 || p.sr !== 1;
  const [r, c] = colsFastest ? [`e / ${p.cols}u`, `e % ${p.cols}u`] : [`e % ${p.rows}u`, `e / ${p.rows}u`];
  return `for (var e = lid; e < ${p.rows * p.cols}u; e += ${wg}u) {
      let r = ${r}; let c = ${c};
      let gr = ${p.row0} + r; let gc = ${p.col0} + c;
      var v = 0.0;
      if (gr < ${p.rowEnd}u && gc < ${p.colEnd}u) { v = ${p.src}[${p.base} + gr * ${p.sr}u + gc * ${p.sc}u]; }
      ${p.dst}[r * ${p.cols}u + c] = v;
    }`;
}

/**
 * The register block as straight-line WGSL: one scalar per accumulator and operand. Loops over private
 * arrays with computed indices keep them in memory on some compilers (SwiftShader's ran the tiled kernel
 * at 0.05 GFLOP/s that way); scalars stay in registers.
 */
function registerBlock(rm: number, rn: number, tx: number, ty: number, bk: number, BN: number, M: number, N: number): { declare: string; step: string; store: string } {
  const rows = Array.from({ length: rm }, (_, r) => r), cols = Array.from({ length: rn }, (_, c) => c);
  const declare = rows.flatMap((r) => cols.map((c) => `var c${r}_${c} = 0.0;`)).join(' ');
  const step = [
    ...rows.map((r) => `      let a${r} = As[(ty + ${r * ty}u) * ${bk}u + k];`),
    ...cols.map((c) => `      let b${c} = Bs[k * ${BN}u + tx + ${c * tx}u];`),
    ...rows.flatMap((r) => cols.map((c) => `      c${r}_${c} += a${r} * b${c};`)),
  ].join('\n');
  // Rows ty + r * TY and columns tx + c * TX: neighbouring invocations write neighbouring words.
  const store = rows.flatMap((r) => [
    `  { let m = m0 + ty + ${r * ty}u;`,
    `    if (m < ${M}u) {`,
    ...cols.map((c) => `      { let n = n0 + tx + ${c * tx}u; if (n < ${N}u) { y[batch * ${M * N}u + m * ${N}u + n] = c${r}_${c}; } }`),
    '    } }',
  ]).join('\n');
  return { declare, step, store };
}

/** The register-blocked matmul without workgroup memory, for CPU-based adapters (see the file's comment). */
function directMatmul(a: Tensor, b: Tensor, y: Tensor, batchShape: readonly number[], batches: number): void {
  const ctx = webgpuContext();
  const wg = ctx.limits.workgroupSize;
  const M = a.shape[a.ndim - 2]!, K = a.shape[a.ndim - 1]!, N = b.shape[b.ndim - 1]!;
  const [sam, sak] = [a.strides[a.ndim - 2]!, a.strides[a.ndim - 1]!];
  const [sbk, sbn] = [b.strides[b.ndim - 2]!, b.strides[b.ndim - 1]!];
  const RM = 4, RN = 4;
  const tilesN = Math.ceil(N / RN), tiles = Math.ceil(M / RM) * tilesN;
  const rows = [0, 1, 2, 3], cols = [0, 1, 2, 3];
  const wgsl = `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${stridedOffsetFn('aBatch', batchShape, batchStrides(a, batchShape), a.offset)}
${stridedOffsetFn('bBatch', batchShape, batchStrides(b, batchShape), b.offset)}
${linearIndexPrelude(wg)}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = linearGroup(wg, groups) * WG + lid;
  if (t >= ${batches * tiles}u) { return; }
  let batch = t / ${tiles}u;
  let m0 = ((t % ${tiles}u) / ${tilesN}u) * ${RM}u;
  let n0 = (t % ${tilesN}u) * ${RN}u;
  // Rows and columns past the edge read the last one (always in bounds) and are not stored.
  ${rows.map((r) => `let ar${r} = aBatch(batch) + min(m0 + ${r}u, ${M - 1}u) * ${sam}u;`).join('\n  ')}
  ${cols.map((c) => `let bc${c} = bBatch(batch) + min(n0 + ${c}u, ${N - 1}u) * ${sbn}u;`).join('\n  ')}
  ${rows.flatMap((r) => cols.map((c) => `var c${r}_${c} = 0.0;`)).join(' ')}
  for (var k = 0u; k < ${K}u; k++) {
    ${rows.map((r) => `let a${r} = a[ar${r} + k * ${sak}u];`).join(' ')}
    ${cols.map((c) => `let b${c} = b[bc${c} + k * ${sbk}u];`).join(' ')}
    ${rows.flatMap((r) => cols.map((c) => `c${r}_${c} += a${r} * b${c};`)).join(' ')}
  }
  ${rows.flatMap((r) => cols.map((c) => `if (m0 + ${r}u < ${M}u && n0 + ${c}u < ${N}u) { y[batch * ${M * N}u + (m0 + ${r}u) * ${N}u + n0 + ${c}u] = c${r}_${c}; }`)).join('\n  ')}
}`;
  const batch = new ComputeBatch(ctx);
  batch.dispatch(wgsl, 'matmul', [batch.bindStorage(a), batch.bindStorage(b), batch.bind(y)], Math.ceil((batches * tiles) / wg));
  batch.submit();
}

const matmulKernel: KernelDef<Record<string, never>> = {
  stridedInputs: true,
  run: ({ inputs: [a, b], outputs: [y] }) => {
    if (y!.size === 0) return;
    for (const t of [a!, b!]) if (t.dtype !== 'float32') throw new WebgpuDtypeError('MatMul', t.dtype, ['float32']);
    const M = a!.shape[a!.ndim - 2]!, K = a!.shape[a!.ndim - 1]!, N = b!.shape[b!.ndim - 1]!;
    const batchShape = y!.shape.slice(0, -2);
    const batches = batchShape.reduce((p, n) => p * n, 1);
    const ctx = webgpuContext();
    if (ctx.limits.software) {
      directMatmul(a!, b!, y!, batchShape, batches);
      return;
    }
    const { tx, ty, rm, rn, bk } = matmulTiles(ctx.limits);
    const wg = tx * ty, BM = ty * rm, BN = tx * rn;
    const tilesM = Math.ceil(M / BM), tilesN = Math.ceil(N / BN);
    const [sam, sak] = [a!.strides[a!.ndim - 2]!, a!.strides[a!.ndim - 1]!];
    const [sbk, sbn] = [b!.strides[b!.ndim - 2]!, b!.strides[b!.ndim - 1]!];
    const registers = registerBlock(rm, rn, tx, ty, bk, BN, M, N);
    const wgsl = `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${stridedOffsetFn('aBatch', batchShape, batchStrides(a!, batchShape), a!.offset)}
${stridedOffsetFn('bBatch', batchShape, batchStrides(b!, batchShape), b!.offset)}
${linearIndexPrelude(wg)}
var<workgroup> As: array<f32, ${BM * bk}>;
var<workgroup> Bs: array<f32, ${bk * BN}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = linearGroup(wg, groups);
  // The whole workgroup leaves together (g is uniform), so the barriers below stay in uniform control flow.
  if (g >= ${batches * tilesM * tilesN}u) { return; }
  let batch = g / ${tilesM * tilesN}u;
  let rest = g % ${tilesM * tilesN}u;
  let m0 = (rest / ${tilesN}u) * ${BM}u;
  let n0 = (rest % ${tilesN}u) * ${BN}u;
  let baseA = aBatch(batch);
  let baseB = bBatch(batch);
  let tx = lid % ${tx}u;
  let ty = lid / ${tx}u;
  ${registers.declare}
  for (var k0 = 0u; k0 < ${K}u; k0 += ${bk}u) {
    // As[m * BK + k] = A[m0 + m, k0 + k]; Bs[k * BN + n] = B[k0 + k, n0 + n].
    ${stagePanel({ dst: 'As', src: 'a', base: 'baseA', rows: BM, cols: bk, sr: sam, sc: sak, row0: 'm0', rowEnd: M, col0: 'k0', colEnd: K }, wg)}
    ${stagePanel({ dst: 'Bs', src: 'b', base: 'baseB', rows: bk, cols: BN, sr: sbk, sc: sbn, row0: 'k0', rowEnd: K, col0: 'n0', colEnd: N }, wg)}
    workgroupBarrier();
    for (var k = 0u; k < ${bk}u; k++) {
${registers.step}
    }
    workgroupBarrier();
  }
${registers.store}
}`;
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'matmul', [batch.bindStorage(a!), batch.bindStorage(b!), batch.bind(y!)], batches * tilesM * tilesN);
    batch.submit();
  },
};

export function registerMatmulKernel(): () => void {
  return registerKernel(MatMul, 'webgpu', matmulKernel);
}
