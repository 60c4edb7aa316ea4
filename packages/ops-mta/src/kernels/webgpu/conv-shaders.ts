import { memoizeShaderSource } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants } from './constants.js';
import { mapInput, mapLoad, mapOutput, packedHelpers, packedPairStore, sharesWords, type MapStorage, type WrittenMap } from './map-storage.js';

/**
 * The two convolutions of MTA, one invocation per output element, causal masks folded into the loads:
 * an input position (row, col) is read only when col <= row (the masked-to-zero map), so NaN scores above
 * the diagonal are never touched, and outputs above the diagonal are written as 0.
 *
 * Maps may be f32 or packed float16 (map-storage.ts); weight and bias are always f32 (a float16 call widens
 * them once into scratch). A packed output is written by invocations that each compute two adjacent
 * positions, so that they own whole words (map-storage.ts says why that is race-free).
 */
export interface ConvStorage {
  readonly input: MapStorage;
  readonly output: MapStorage;
  /** Test instrumentation of a packed output's stores (map-storage.ts, WrittenMap.ledger): the binding after the shader's own. */
  readonly ledger?: boolean;
}

const F32: ConvStorage = { input: 'f32', output: 'f32' };

/**
 * Workgroups of a convolution: one invocation per position and group (all of a group's channels at once),
 * or per pair of positions and group into a packed map.
 */
export function convWorkgroups(g: MtaGeometry, output: MapStorage, workgroupSize: number): number {
  const positions = output === 'f32' ? g.L * g.L : Math.ceil((g.L * g.L) / 2);
  return Math.ceil((g.B * g.groups * positions) / workgroupSize);
}

/**
 * y[b, co, i, j] = bias[co] + sum over the group's input channels and taps of
 * w[co, cil, kh, kw] * x[b, ci, i - pt + kh*dh, j - pl + kw*dw] for j <= i; 0 above the diagonal.
 * One invocation computes position (i, j) for every output channel of one group, so each input value it
 * loads serves all of them (register blocking over the group's output channels).
 */
export const convForwardShader = memoizeShaderSource(function convForwardShader(g: MtaGeometry, workgroupSize: number, io: ConvStorage = F32): string {
  const accumulate = `  var acc: array<f32, ${g.cog}>;
  for (var k = 0u; k < COG; k++) { acc[k] = ${g.hasBias ? 'bias[grp * COG + k]' : '0.0'}; }
  for (var cil = 0u; cil < CIG; cil++) {
    let xBase = (b * CIN + grp * CIG + cil) * LL;
    for (var kh = 0; kh < i32(KH); kh++) {
      let r = i - PT + kh * DH;
      if (r < 0 || r >= IL) { continue; }
      for (var kw = 0; kw < i32(KW); kw++) {
        let c = j - PL + kw * DW;
        if (c < 0 || c > r) { continue; }
        let xv = ${mapLoad('x', io.input, 'xBase + u32(r) * L + u32(c)')};
        let tap = u32(kh) * KW + u32(kw);
        for (var k = 0u; k < COG; k++) { acc[k] += w[((grp * COG + k) * CIG + cil) * TAPS + tap] * xv; }
      }
    }
  }`;
  const header = `${geometryConstants(g, workgroupSize)}
${mapInput(0, 'x', io.input)}
@group(0) @binding(1) var<storage, read> w: array<f32>;
${mapOutput(2, 'y', io.output, sharesWords(g))}
${g.hasBias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : ''}
const GROUPS: u32 = ${g.groups}u;`;
  if (io.output === 'f16') {
    return packedPairShader(g, workgroupSize, header, packedHelpers([['x', io.input]], written(g, 'y', io, g.hasBias ? 4 : 3)), 'COUT', 'COG', accumulate, 'y');
  }
  const loads = packedHelpers([['x', io.input]]);
  return `${header}${loads ? `\n${loads}` : ''}
const COUNT: u32 = ${g.B * g.groups * g.L * g.L}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= COUNT) { return; }
  let j = i32(e % L);
  let i = i32((e / L) % L);
  let grp = (e / LL) % GROUPS;
  let b = e / (LL * GROUPS);
  let pos = u32(i) * L + u32(j);
  let yBase = (b * COUT + grp * COG) * LL + pos;
  if (j > i) {
    for (var k = 0u; k < COG; k++) { y[yBase + k * LL] = 0.0; }
    return;
  }
${accumulate}
  for (var k = 0u; k < COG; k++) { y[yBase + k * LL] = acc[k]; }
}`;
});

/**
 * The transposed convolution: dx[b, ci, r, c] = sum over the group's output channels and taps of
 * w[co, cil, kh, kw] * gy[b, co, r + pt - kh*dh, c + pl - kw*dw], reading gy only on or below its
 * diagonal (gy is the masked output gradient); 0 above the diagonal of dx. One invocation computes (r, c)
 * for every input channel of one group, so each gradient value it loads serves all of them.
 */
export const convTransposeShader = memoizeShaderSource(function convTransposeShader(g: MtaGeometry, workgroupSize: number, io: ConvStorage = F32): string {
  const accumulate = (i: string, j: string): string => `  var acc: array<f32, ${g.cig}>;
  for (var k = 0u; k < COG; k++) {
    let co = grp * COG + k;
    let gBase = (b * COUT + co) * LL;
    for (var kh = 0; kh < i32(KH); kh++) {
      let ${i} = r + PT - kh * DH;
      if (${i} < 0 || ${i} >= IL) { continue; }
      for (var kw = 0; kw < i32(KW); kw++) {
        let ${j} = c + PL - kw * DW;
        if (${j} < 0 || ${j} > ${i}) { continue; }
        let gv = ${mapLoad('gy', io.input, `gBase + u32(${i}) * L + u32(${j})`)};
        let tap = u32(kh) * KW + u32(kw);
        for (var cil = 0u; cil < CIG; cil++) { acc[cil] += w[(co * CIG + cil) * TAPS + tap] * gv; }
      }
    }
  }`;
  const header = `${geometryConstants(g, workgroupSize)}
${mapInput(0, 'gy', io.input)}
@group(0) @binding(1) var<storage, read> w: array<f32>;
${mapOutput(2, 'dx', io.output, sharesWords(g))}
const GROUPS: u32 = ${g.groups}u;`;
  if (io.output === 'f16') {
    // The pair shader names the output position (i, j); here that is (r, c), the gradient's rows (i, j) inside.
    const body = `  let r = i;
  let c = j;
${accumulate('gi', 'gj')}`;
    return packedPairShader(g, workgroupSize, header, packedHelpers([['gy', io.input]], written(g, 'dx', io, 3)), 'CIN', 'CIG', body, 'dx');
  }
  const loads = packedHelpers([['gy', io.input]]);
  return `${header}${loads ? `\n${loads}` : ''}
const COUNT: u32 = ${g.B * g.groups * g.L * g.L}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= COUNT) { return; }
  let c = i32(e % L);
  let r = i32((e / L) % L);
  let grp = (e / LL) % GROUPS;
  let b = e / (LL * GROUPS);
  let dxBase = (b * CIN + grp * CIG) * LL + u32(r) * L + u32(c);
  if (c > r) {
    for (var k = 0u; k < CIG; k++) { dx[dxBase + k * LL] = 0.0; }
    return;
  }
${accumulate('i', 'j')}
  for (var k = 0u; k < CIG; k++) { dx[dxBase + k * LL] = acc[k]; }
}`;
});

/** The packed output of a convolution with `bindings` bindings of its own. */
function written(g: MtaGeometry, name: string, io: ConvStorage, bindings: number): WrittenMap {
  return { name, storage: io.output, shared: sharesWords(g), ...(io.ledger ? { ledger: bindings } : {}) };
}

/**
 * A convolution into a packed map: one invocation per (batch, group, pair of positions 2q and 2q + 1 of a
 * channel map in row-major order), each position computed by `accumulate` (which sees b, grp, i, j and
 * leaves the group's `channels` outputs in acc), both stored per channel with `packedPairStore`. With L
 * even the pair lies in one row and is one whole word of every channel; with L odd it may straddle rows,
 * and in maps that start mid-word its elements are halves of words shared with the neighbouring pairs.
 */
function packedPairShader(g: MtaGeometry, workgroupSize: number, header: string, helpers: string, total: 'COUT' | 'CIN', channels: 'COG' | 'CIG',
  accumulate: string, out: string): string {
  const perGroup = channels === 'COG' ? g.cog : g.cig;
  const pairs = Math.ceil((g.L * g.L) / 2);
  return `${header}
${helpers}
const PAIRS: u32 = ${pairs}u;
const COUNT: u32 = ${g.B * g.groups * pairs}u;
/** The group's ${channels} outputs at position (i, j) of batch b: 0 above the diagonal. */
fn convAt(b: u32, grp: u32, i: i32, j: i32) -> array<f32, ${perGroup}> {
  if (j > i) { return array<f32, ${perGroup}>(); }
${accumulate}
  return acc;
}
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let q = linearGroup(wg, groups) * WG + lid;
  if (q >= COUNT) { return; }
  let pair = q % PAIRS;
  let grp = (q / PAIRS) % GROUPS;
  let b = q / (PAIRS * GROUPS);
  let pos = 2u * pair;
  let hasSecond = pos + 1u < LL;
  var first = convAt(b, grp, i32(pos / L), i32(pos % L));
  var second: array<f32, ${perGroup}>;
  if (hasSecond) { second = convAt(b, grp, i32((pos + 1u) / L), i32((pos + 1u) % L)); }
  for (var k = 0u; k < ${channels}; k++) {
    let e = (b * ${total} + grp * ${channels} + k) * LL + pos;
    ${packedPairStore(out, sharesWords(g), 'e', 'first[k]', 'second[k]', 'hasSecond')}
  }
}`;
}

/**
 * Weights every invocation reads alike, as a uniform buffer of vec4s, with the channel and tap loops
 * unrolled in the source: each weight index is then a constant, which GPUs serve from their constant path
 * (NVIDIA folds it into the multiply-add) instead of one storage load per multiply-add. Used where the
 * weights fit one uniform binding and the unrolled body stays small (`unrolledConvFits`).
 */
const MAX_UNROLLED_TERMS = 256;

export function unrolledConvFits(g: MtaGeometry): boolean {
  return g.cog * g.cig * g.kH * g.kW <= MAX_UNROLLED_TERMS;
}

function uniformWeights(g: MtaGeometry): string {
  return `@group(0) @binding(1) var<uniform> w4: array<vec4<f32>, ${Math.ceil(g.wElems / 4)}>;
fn wAt(i: u32) -> f32 { return w4[i / 4u][i % 4u]; }`;
}

/**
 * The frame both unrolled shaders share: one invocation per map position (column `col`, row `row`) and group,
 * `accs` accumulators (one per channel the position produces), 0 written above the diagonal, the unrolled
 * `body` in between.
 */
interface UnrolledConv {
  readonly input: string;
  readonly output: string;
  readonly col: string;
  readonly row: string;
  /** WGSL of the output's first channel base for (b, grp), e.g. `b * COUT + grp * COG`. */
  readonly channelBase: string;
  readonly accs: number;
  readonly init: (k: number) => string;
  readonly extraBindings: string;
  readonly body: readonly string[];
}

function unrolledConvShader(g: MtaGeometry, workgroupSize: number, c: UnrolledConv): string {
  const accs = Array.from({ length: c.accs }, (_, k) => k);
  const at = (k: number) => `${c.output}[outBase + ${k * g.L * g.L}u]`;
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> ${c.input}: array<f32>;
${uniformWeights(g)}
@group(0) @binding(2) var<storage, read_write> ${c.output}: array<f32>;
${c.extraBindings}
const GROUPS: u32 = ${g.groups}u;
const COUNT: u32 = ${g.B * g.groups * g.L * g.L}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= COUNT) { return; }
  let ${c.col} = i32(e % L);
  let ${c.row} = i32((e / L) % L);
  let grp = (e / LL) % GROUPS;
  let b = e / (LL * GROUPS);
  let outBase = (${c.channelBase}) * LL + u32(${c.row}) * L + u32(${c.col});
  if (${c.col} > ${c.row}) {
${accs.map((k) => `    ${at(k)} = 0.0;`).join('\n')}
    return;
  }
  let wGroup = grp * COG * CIG * TAPS;
${accs.map((k) => `  var acc${k} = ${c.init(k)};`).join('\n')}
${c.body.join('\n')}
${accs.map((k) => `  ${at(k)} = acc${k};`).join('\n')}
}`;
}

/** convForwardShader with uniform weights and every channel and tap unrolled. */
export const convForwardUnrolledShader = memoizeShaderSource(function convForwardUnrolledShader(g: MtaGeometry, workgroupSize: number): string {
  const taps = g.kH * g.kW;
  const body: string[] = [];
  for (let cil = 0; cil < g.cig; cil++) {
    body.push(`  { let xBase = (b * CIN + grp * CIG + ${cil}u) * LL;`);
    for (let kh = 0; kh < g.kH; kh++) {
      body.push(`    { let r = i - PT + ${kh * g.dh}; if (r >= 0 && r < IL) { let xRow = xBase + u32(r) * L;`);
      for (let kw = 0; kw < g.kW; kw++) {
        const tap = kh * g.kW + kw;
        const terms = Array.from({ length: g.cog }, (_, k) => `acc${k} += wAt(wGroup + ${(k * g.cig + cil) * taps + tap}u) * xv;`).join(' ');
        body.push(`      { let c = j - PL + ${kw * g.dw}; if (c >= 0 && c <= r) { let xv = x[xRow + u32(c)]; ${terms} } }`);
      }
      body.push('    } }');
    }
    body.push('  }');
  }
  return unrolledConvShader(g, workgroupSize, {
    input: 'x', output: 'y', col: 'j', row: 'i', channelBase: 'b * COUT + grp * COG', accs: g.cog,
    init: (k) => (g.hasBias ? `bias[grp * COG + ${k}u]` : '0.0'),
    extraBindings: g.hasBias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : '',
    body,
  });
});

/** convTransposeShader with uniform weights and every channel and tap unrolled. */
export const convTransposeUnrolledShader = memoizeShaderSource(function convTransposeUnrolledShader(g: MtaGeometry, workgroupSize: number): string {
  const taps = g.kH * g.kW;
  const body: string[] = [];
  for (let k = 0; k < g.cog; k++) {
    body.push(`  { let gBase = (b * COUT + grp * COG + ${k}u) * LL;`);
    for (let kh = 0; kh < g.kH; kh++) {
      body.push(`    { let i = r + PT - ${kh * g.dh}; if (i >= 0 && i < IL) { let gRow = gBase + u32(i) * L;`);
      for (let kw = 0; kw < g.kW; kw++) {
        const tap = kh * g.kW + kw;
        const terms = Array.from({ length: g.cig }, (_, cil) => `acc${cil} += wAt(wGroup + ${(k * g.cig + cil) * taps + tap}u) * gv;`).join(' ');
        body.push(`      { let j = c + PL - ${kw * g.dw}; if (j >= 0 && j <= i) { let gv = gy[gRow + u32(j)]; ${terms} } }`);
      }
      body.push('    } }');
    }
    body.push('  }');
  }
  return unrolledConvShader(g, workgroupSize, {
    input: 'gy', output: 'dx', col: 'c', row: 'r', channelBase: 'b * CIN + grp * CIG', accs: g.cig, init: () => '0.0', extraBindings: '', body,
  });
});

/**
 * Which convolution variant a call runs: unrolled with uniform weights where it can. Measured on the H200
 * (GPU timestamps, L = 4096, B = 2, C = 4, 3x3): forward convolution 1.56 ms unrolled against 2.23 ms with
 * the loops and storage weights, transposed 1.55 against 2.24 ms.
 */
export function useUnrolledConv(g: MtaGeometry): boolean {
  return unrolledConvFits(g);
}
