/**
 * The UB buffers each npu MTA kernel allocates, declared as functions of its block (column block, row block
 * or reduction chunk) for the generic UB tiling planner of @mta/device-npu. Compute buffers are float32;
 * half GM data is staged through a buffer of its own element size. The kernels allocate exactly these.
 *
 * The vector unit reads operands only from 32-byte boundaries, so every row a kernel hands to a vector
 * instruction starts on one: rows are pitched to whole blocks (`pitch8`), and the convolution's shifted taps
 * are realigned by a gather into `phases` (one aligned row per tap) through the `gather-index` offset table.
 * Reductions get their sharedTmpBuffer (`reduce-tmp`), counted here like any buffer.
 */
import { reduceTmpElems, type NpuDType, type UbBufferDecl } from '@mta/device-npu';
import type { MtaGeometry } from '../../geometry.js';
import type { BandTiling } from './plan-types.js';

function decl(name: string, elems: number, dtype: NpuDType, copies: 1 | 2, purpose: string): UbBufferDecl {
  return { name, elems, dtype, copies, purpose };
}

export type BandPass = BandTiling['pass'];

/** float32 elements rounded up to whole 32-byte blocks: the pitch of every row a vector instruction reads. */
export function pitch8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Half staging: whole 32-byte blocks of 16 elements, one more block than the widest run (its left padding). */
function stageElems(widest: number): number {
  return Math.ceil(widest / 16) * 16 + 16;
}

/** Where the bias gradient starts in a weight/bias gradient partial row: after the weights, on a block. */
export function biasGradOffset(geo: Pick<MtaGeometry, 'wElems'>): number {
  return pitch8(geo.wElems);
}

/** Elements of one weight/bias gradient partial row (weights, padding to a block, bias). */
export function gradPartialElems(geo: Pick<MtaGeometry, 'wElems' | 'Cout'>, bias: boolean): number {
  return biasGradOffset(geo) + (bias ? geo.Cout : 0);
}

/**
 * Row stride of the weight/bias gradient partials in GM: whole 32-byte blocks, so each core writes its row
 * with one DataCopy and no two cores share a block.
 */
export function gradPartialPitch(geo: Pick<MtaGeometry, 'wElems' | 'Cout'>, bias: boolean): number {
  return pitch8(gradPartialElems(geo, bias));
}

/** The taps' realignment buffers and the reductions' scratch, shared by both band kernels. */
function tapBuffers(geo: MtaGeometry, cw: number, widestReduce: number): UbBufferDecl[] {
  const f: NpuDType = 'float32';
  return [
    decl('phases', geo.kW * pitch8(cw), f, 1, `${geo.kW} taps x ${pitch8(cw)} columns: each tap's shifted ring row realigned to a block`),
    decl('gather-index', pitch8(cw), f, 1, 'gather offset table 0, 1, 2, ... (uint32 on the hardware, same size)'),
    decl('reduce-tmp', reduceTmpElems(widestReduce), f, 1, `sharedTmpBuffer of ReduceMax / ReduceSum over up to ${widestReduce} elements`),
  ];
}

/** Buffers of the forward band kernel (ring of P or S0 rows -> convolution -> output rows). */
export function bandForwardBuffers(geo: MtaGeometry, dtype: NpuDType, bias: boolean, cw: number, pass: BandPass, rowsPerUnit: number, slots: number): UbBufferDecl[] {
  const f: NpuDType = 'float32';
  const bufs = [
    decl('weight', geo.wElems, f, 1, 'all weights, float32'),
    ...(bias ? [decl('bias', geo.Cout, f, 1, 'bias, float32')] : []),
    decl('ring', slots * geo.cig * pitch8(cw + geo.ext), f, 1,
      `${slots} row slots x ${geo.cig} channels x ${pitch8(cw + geo.ext)} columns (${cw + geo.ext} pitched to a block) of ${geo.mode === 'post' ? 'probabilities' : 'masked scores'}`),
    decl('acc', geo.cog * pitch8(cw), f, 1, `${geo.cog} output channels x ${pitch8(cw)} columns`),
    ...tapBuffers(geo, cw, pitch8(cw + geo.ext)),
  ];
  if (pass === 'multi' && geo.mode === 'post') {
    bufs.push(decl('rowstats', geo.cig * pitch8((rowsPerUnit + geo.depth - 1) * 2), f, 1, 'softmax max and 1/sum (or sparsemax tau) of the unit\'s rows'));
  }
  if (dtype !== 'float32') bufs.push(decl('stage', stageElems(cw + geo.ext), dtype, 1, `${dtype} staging for casts`));
  return bufs;
}

/** Buffers of the transposed band kernel (ring of output-gradient rows -> input-gradient rows, weight gradient). */
export function bandTransposeBuffers(geo: MtaGeometry, dtype: NpuDType, bias: boolean, cw: number, pass: BandPass, rowsPerUnit: number, slots: number): UbBufferDecl[] {
  const f: NpuDType = 'float32';
  const post = geo.mode === 'post';
  const bufs = [
    decl('weight', geo.wElems, f, 1, 'all weights, float32'),
    decl('ring', slots * geo.cog * pitch8(cw + geo.ext), f, 1,
      `${slots} row slots x ${geo.cog} channels x ${pitch8(cw + geo.ext)} columns (${cw + geo.ext} pitched to a block) of ${post ? 'masked output gradient' : 'dC (activation backward)'}`),
    decl('dx', geo.cig * pitch8(cw), f, 1, `${geo.cig} channels x ${pitch8(cw)} columns of ${post ? 'dP / dS' : 'dS'}`),
    decl('operand', geo.cig * pitch8(cw), f, 1, post ? 'probability row P' : 'masked score row S0 (for the weight gradient)'),
    ...tapBuffers(geo, cw, pitch8(cw + geo.ext)),
  ];
  if (!post) bufs.push(decl('otmp', pitch8(cw + geo.ext), f, 1, 'output row O while forming dC'));
  if (pass !== 'apply') {
    const n = gradPartialPitch(geo, bias);
    bufs.push(decl('dwsum', n, f, 1, 'weight/bias gradient partial (Kahan sum)'));
    bufs.push(decl('dwcomp', n, f, 1, 'weight/bias gradient partial (Kahan compensation)'));
  }
  if (post && (pass === 'stats' || pass === 'apply')) {
    bufs.push(decl('rowstats', geo.cig * pitch8(rowsPerUnit * 2), f, 1, pass === 'stats' ? 'per-row partial sums across column blocks' : 'per-row sums for the apply pass'));
  }
  if (!post && pass === 'multi') {
    bufs.push(decl('rowstats', geo.cog * pitch8((rowsPerUnit + geo.depth - 1) * 2), f, 1, 'dot (softmax) or support mean (sparsemax) of the dC rows'));
  }
  if (dtype !== 'float32') bufs.push(decl('stage', stageElems(cw + geo.ext), dtype, 1, `${dtype} staging for casts`));
  return bufs;
}

/** Buffers of a row kernel: blocks of one or two inputs (double-buffered) and the statistics chunk. */
export function rowKernelBuffers(inputs: 1 | 2, inputDtype: NpuDType, outDtype: NpuDType | null, rb: number, rowChunk: number): UbBufferDecl[] {
  // The input blocks are DMA queues: the generic planner reserves BUFFER_NUM copies of them (2 when they fit).
  const streamed = (name: string, purpose: string): UbBufferDecl => ({ name, elems: pitch8(rb), dtype: 'float32', streamed: true, purpose });
  const bufs = [streamed('block', 'row block (DMA queue, BUFFER_NUM copies)')];
  if (inputs === 2) bufs.push(streamed('block2', 'second input row block (DMA queue, BUFFER_NUM copies)'));
  if (outDtype === null) bufs.push(decl('stats', rowChunk * 2, 'float32', 1, `statistics of ${rowChunk} rows`));
  bufs.push(decl('reduce-tmp', reduceTmpElems(rb), 'float32', 1, `sharedTmpBuffer of ReduceMax / ReduceSum over up to ${rb} elements`));
  const half = inputDtype !== 'float32' ? inputDtype : outDtype !== null && outDtype !== 'float32' ? outDtype : null;
  if (half) bufs.push(decl('stage', stageElems(rb), half, 1, `${half} staging for casts`));
  return bufs;
}

export function reduceBuffers(weightDtype: NpuDType, chunk: number): UbBufferDecl[] {
  const bufs = [
    decl('sum', chunk, 'float32', 1, 'Kahan sum'),
    decl('comp', chunk, 'float32', 1, 'Kahan compensation'),
    decl('part', chunk, 'float32', 1, 'one core\'s partial'),
  ];
  if (weightDtype !== 'float32') bufs.push(decl('stage', stageElems(chunk), weightDtype, 1, `${weightDtype} staging for casts`));
  return bufs;
}
