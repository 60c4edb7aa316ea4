import { memoizeShaderSource } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants } from './constants.js';
import { unrolledConvFits } from './conv-shaders.js';

/**
 * The two convolutions of MTA over quads: one invocation per (batch, group, row, 4 consecutive columns),
 * every channel of its group, reading each input row as vec4 words and writing vec4 words. Against one
 * invocation per position (conv-shaders.ts) it issues a quarter of the loads, each 16 bytes, and shares every
 * loaded value among the four positions of the quad. Measured on the H200 (L = 4096, B = 2, C = 4, 3x3, the
 * pass alone, 20 back-to-back dispatches): forward 0.262 against 0.424 ms, transposed 0.262 against 0.421 ms;
 * a vec4 copy of the same map takes 0.293 ms (tools/gpu-kernels.ts).
 *
 * For float32 maps with L a multiple of 4 (so that every row starts on a vec4 word) and weights that fit the
 * unrolled uniform form (`unrolledConvFits`); other calls run conv-shaders.ts. The causal rules are those of
 * conv-shaders.ts: an input position (r, c) is read only when c <= r (`select` picks 0 for the others
 * without arithmetic on them, so NaN there never leaks), outputs above the diagonal are written as 0.
 */
export function useQuadConv(g: MtaGeometry): boolean {
  return g.dtype !== 'float16' && g.L % 4 === 0 && unrolledConvFits(g);
}

/** Workgroups of a quad convolution. */
export function quadConvWorkgroups(g: MtaGeometry, workgroupSize: number): number {
  return Math.ceil((g.B * g.groups * g.L * (g.L / 4)) / workgroupSize);
}

/**
 * The loads of one input row's window: columns j0 + first .. j0 + first + width - 1 as `win0`, `win1`, ...
 * from the vec4 words that cover them (word index `q + d` for the quad q = j0 / 4), each masked to 0 unless
 * 0 <= column < L and column <= `diagonal` (the row's own index: the input is causal).
 */
function windowLoads(input: string, rowWord: string, first: number, width: number, diagonal: string): string[] {
  const word = (d: number) => (d < 0 ? `m${-d}` : `${d}`);
  const lines: string[] = [];
  for (let d = Math.floor(first / 4); d <= Math.floor((first + width - 1) / 4); d++) {
    const inRange = d < 0 ? `q >= ${-d}u` : d > 0 ? `q + ${d}u < QUADS` : 'true';
    const index = d < 0 ? `q - ${-d}u` : `q + ${d}u`;
    lines.push(d === 0
      ? `let v${word(d)} = ${input}[${rowWord} + q];`
      : `let v${word(d)} = select(vec4<f32>(0.0), ${input}[${rowWord} + select(0u, ${index}, ${inRange})], ${inRange});`);
  }
  for (let k = 0; k < width; k++) {
    const offset = first + k;
    const lane = ((offset % 4) + 4) % 4;
    lines.push(`let win${k} = select(0.0, v${word(Math.floor(offset / 4))}[${lane}], i32(j0) + ${offset} >= 0 && i32(j0) + ${offset} <= ${diagonal});`);
  }
  return lines;
}

interface QuadConv {
  readonly input: string;
  readonly output: string;
  /** The output's and the input's channel counts (WGSL constants) and their channels per group. */
  readonly outTotal: 'COUT' | 'CIN';
  readonly inTotal: 'CIN' | 'COUT';
  readonly outCount: number;
  readonly inCount: number;
  /** The input row read for kernel row kh, from the output row `i` (WGSL i32 expression). */
  readonly inputRow: (kh: number) => string;
  /** The window's first column offset from j0, and which window entry output position p meets for kernel column kw. */
  readonly first: number;
  readonly entry: (p: number, kw: number) => number;
  /** The weight index of (output channel o, input channel n, tap) within the group's weights. */
  readonly weight: (o: number, n: number, tap: number) => number;
  readonly init: (o: number) => string;
  readonly extraBindings: string;
}

function quadConvShader(g: MtaGeometry, workgroupSize: number, c: QuadConv): string {
  const width = 4 + (g.kW - 1) * g.dw;
  const body: string[] = [];
  for (let n = 0; n < c.inCount; n++) {
    for (let kh = 0; kh < g.kH; kh++) {
      body.push(`  { let r = ${c.inputRow(kh)}; if (r >= 0 && r < IL) {`);
      body.push(`    let rowWord = ((b * ${c.inTotal} + grp * ${c.inCount}u + ${n}u) * LL + u32(r) * L) / 4u;`);
      body.push(...windowLoads(c.input, 'rowWord', c.first, width, 'r').map((line) => `    ${line}`));
      for (let o = 0; o < c.outCount; o++) {
        for (let kw = 0; kw < g.kW; kw++) {
          const w = `wAt(wGroup + ${c.weight(o, n, kh * g.kW + kw)}u)`;
          body.push(`    { let wv = ${w}; ${[0, 1, 2, 3].map((p) => `a${o}_${p} += wv * win${c.entry(p, kw)};`).join(' ')} }`);
        }
      }
      body.push('  } }');
    }
  }
  const outWord = (o: number) => `((b * ${c.outTotal} + grp * ${c.outCount}u + ${o}u) * LL + i * L) / 4u + q`;
  const outs = Array.from({ length: c.outCount }, (_, o) => o);
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> ${c.input}: array<vec4<f32>>;
@group(0) @binding(1) var<uniform> w4: array<vec4<f32>, ${Math.ceil(g.wElems / 4)}>;
@group(0) @binding(2) var<storage, read_write> ${c.output}: array<vec4<f32>>;
${c.extraBindings}
fn wAt(k: u32) -> f32 { return w4[k / 4u][k % 4u]; }
const GROUPS: u32 = ${g.groups}u;
const QUADS: u32 = ${g.L / 4}u;
const COUNT: u32 = ${g.B * g.groups * g.L * (g.L / 4)}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= COUNT) { return; }
  let q = e % QUADS;
  let i = (e / QUADS) % L;
  let grp = (e / (QUADS * L)) % GROUPS;
  let b = e / (QUADS * L * GROUPS);
  let j0 = 4u * q;
  if (j0 > i) {
${outs.map((o) => `    ${c.output}[${outWord(o)}] = vec4<f32>(0.0);`).join('\n')}
    return;
  }
  let wGroup = grp * COG * CIG * TAPS;
${outs.map((o) => `  var a${o}_0 = ${c.init(o)};\n  var a${o}_1 = a${o}_0;\n  var a${o}_2 = a${o}_0;\n  var a${o}_3 = a${o}_0;`).join('\n')}
${body.join('\n')}
${outs.map((o) => `  ${c.output}[${outWord(o)}] = vec4<f32>(${[0, 1, 2, 3].map((p) => `select(0.0, a${o}_${p}, j0 + ${p}u <= i)`).join(', ')});`).join('\n')}
}`;
}

/** y = mask0(conv(x) + bias) over quads (see conv-shaders.ts convForwardShader for the sums). */
export const quadConvForwardShader = memoizeShaderSource(function quadConvForwardShader(g: MtaGeometry, workgroupSize: number): string {
  const taps = g.kH * g.kW;
  return quadConvShader(g, workgroupSize, {
    input: 'x', output: 'y', outTotal: 'COUT', inTotal: 'CIN', outCount: g.cog, inCount: g.cig,
    inputRow: (kh) => `i32(i) - PT + ${kh * g.dh}`,
    // Output column j0 + p, tap kw reads input column j0 + p - pl + kw*dw = window entry p + kw*dw.
    first: -g.pl, entry: (p, kw) => p + kw * g.dw,
    weight: (o, n, tap) => (o * g.cig + n) * taps + tap,
    init: (o) => (g.hasBias ? `bias[grp * COG + ${o}u]` : '0.0'),
    extraBindings: g.hasBias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : '',
  });
});

/** dx = mask0(convT(gy)) over quads (see conv-shaders.ts convTransposeShader for the sums). */
export const quadConvTransposeShader = memoizeShaderSource(function quadConvTransposeShader(g: MtaGeometry, workgroupSize: number): string {
  const taps = g.kH * g.kW;
  const ext = (g.kW - 1) * g.dw;
  return quadConvShader(g, workgroupSize, {
    input: 'gy', output: 'dx', outTotal: 'CIN', inTotal: 'COUT', outCount: g.cig, inCount: g.cog,
    inputRow: (kh) => `i32(i) + PT - ${kh * g.dh}`,
    // Input-gradient column c0 + p, tap kw reads gy column c0 + p + pl - kw*dw = window entry p + ext - kw*dw.
    first: g.pl - ext, entry: (p, kw) => p + ext - kw * g.dw,
    weight: (o, n, tap) => (n * g.cig + o) * taps + tap,
    init: () => '0.0',
    extraBindings: '',
  });
});
