/**
 * The UB buffers each npu MTA kernel allocates, declared as functions of its block (column block, row block
 * or reduction chunk) for the generic UB tiling planner of @mta/device-npu. Compute buffers are float32;
 * half GM data is staged through a buffer of its own element size. The kernels allocate exactly these.
 */
import type { NpuDType, UbBufferDecl } from '@mta/device-npu';
import type { MtaGeometry } from '../../geometry.js';
import type { BandTiling } from './plan-types.js';

function decl(name: string, elems: number, dtype: NpuDType, copies: 1 | 2, purpose: string): UbBufferDecl {
  return { name, elems, dtype, copies, purpose };
}

export type BandPass = BandTiling['pass'];

/** Buffers of the forward band kernel (ring of P or S0 rows -> convolution -> output rows). */
export function bandForwardBuffers(geo: MtaGeometry, dtype: NpuDType, bias: boolean, cw: number, pass: BandPass, rowsPerUnit: number, slots: number): UbBufferDecl[] {
  const f: NpuDType = 'float32';
  const bufs = [
    decl('weight', geo.wElems, f, 1, 'all weights, float32'),
    ...(bias ? [decl('bias', geo.Cout, f, 1, 'bias, float32')] : []),
    decl('ring', slots * geo.cig * (cw + geo.ext), f, 1,
      `${slots} row slots x ${geo.cig} channels x ${cw + geo.ext} columns of ${geo.mode === 'post' ? 'probabilities' : 'masked scores'}`),
    decl('acc', geo.cog * cw, f, 1, `${geo.cog} output channels x ${cw} columns`),
  ];
  if (pass === 'multi' && geo.mode === 'post') {
    bufs.push(decl('rowstats', (rowsPerUnit + geo.depth - 1) * geo.cig * 2, f, 1, 'softmax max and 1/sum (or sparsemax tau) of the unit\'s rows'));
  }
  if (dtype !== 'float32') bufs.push(decl('stage', cw + geo.ext, dtype, 1, `${dtype} staging for casts`));
  return bufs;
}

/** Buffers of the transposed band kernel (ring of output-gradient rows -> input-gradient rows, weight gradient). */
export function bandTransposeBuffers(geo: MtaGeometry, dtype: NpuDType, bias: boolean, cw: number, pass: BandPass, rowsPerUnit: number, slots: number): UbBufferDecl[] {
  const f: NpuDType = 'float32';
  const post = geo.mode === 'post';
  const bufs = [
    decl('weight', geo.wElems, f, 1, 'all weights, float32'),
    decl('ring', slots * geo.cog * (cw + geo.ext), f, 1,
      `${slots} row slots x ${geo.cog} channels x ${cw + geo.ext} columns of ${post ? 'masked output gradient' : 'dC (activation backward)'}`),
    decl('dx', geo.cig * cw, f, 1, `${geo.cig} channels x ${cw} columns of ${post ? 'dP / dS' : 'dS'}`),
    decl('operand', geo.cig * cw, f, 1, post ? 'probability row P' : 'masked score row S0 (for the weight gradient)'),
  ];
  if (!post) bufs.push(decl('otmp', cw + geo.ext, f, 1, 'output row O while forming dC'));
  if (pass !== 'apply') {
    const n = geo.wElems + (bias ? geo.Cout : 0);
    bufs.push(decl('dwsum', n, f, 1, 'weight/bias gradient partial (Kahan sum)'));
    bufs.push(decl('dwcomp', n, f, 1, 'weight/bias gradient partial (Kahan compensation)'));
  }
  if (post && (pass === 'stats' || pass === 'apply')) {
    bufs.push(decl('rowstats', rowsPerUnit * geo.cig * 2, f, 1, pass === 'stats' ? 'per-row partial sums across column blocks' : 'per-row sums for the apply pass'));
  }
  if (!post && pass === 'multi') {
    bufs.push(decl('rowstats', (rowsPerUnit + geo.depth - 1) * geo.cog * 2, f, 1, 'dot (softmax) or support mean (sparsemax) of the dC rows'));
  }
  if (dtype !== 'float32') bufs.push(decl('stage', cw + geo.ext, dtype, 1, `${dtype} staging for casts`));
  return bufs;
}

/** Buffers of a row kernel: blocks of one or two inputs (double-buffered) and the statistics chunk. */
export function rowKernelBuffers(inputs: 1 | 2, inputDtype: NpuDType, outDtype: NpuDType | null, rb: number, rowChunk: number): UbBufferDecl[] {
  const bufs = [decl('block', rb, 'float32', 2, 'row block (double-buffered)')];
  if (inputs === 2) bufs.push(decl('block2', rb, 'float32', 2, 'second input row block (double-buffered)'));
  if (outDtype === null) bufs.push(decl('stats', rowChunk * 2, 'float32', 1, `statistics of ${rowChunk} rows`));
  const half = inputDtype !== 'float32' ? inputDtype : outDtype !== null && outDtype !== 'float32' ? outDtype : null;
  if (half) bufs.push(decl('stage', rb, half, 1, `${half} staging for casts`));
  return bufs;
}

export function reduceBuffers(weightDtype: NpuDType, chunk: number): UbBufferDecl[] {
  const bufs = [
    decl('sum', chunk, 'float32', 1, 'Kahan sum'),
    decl('comp', chunk, 'float32', 1, 'Kahan compensation'),
    decl('part', chunk, 'float32', 1, 'one core\'s partial'),
  ];
  if (weightDtype !== 'float32') bufs.push(decl('stage', chunk, weightDtype, 1, `${weightDtype} staging for casts`));
  return bufs;
}
