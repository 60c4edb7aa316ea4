import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noGrad, Rng, setFallback, slice, tensor, tidy, zeros, type Tensor } from '@mta/core';
import { ComputeBatch, releaseWebgpu, webgpuContext, webgpuMemory } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { mtaGeometry, multiTokenAttention, type MtaGeometry, type MtaOptions, registerMta, resolvePads } from '@mta/ops-mta';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import { convForwardShader, convTransposeShader, convWorkgroups } from '../src/kernels/webgpu/conv-shaders.js';
import { rowActivationShader } from '../src/kernels/webgpu/row-activation-shader.js';
import { rowVjpShader } from '../src/kernels/webgpu/row-vjp-shader.js';
import { float64OnHalfOperands } from './support/half-reference';
import { randomOperands, rowCol } from './support/op-harness';
import { runMtaKernelsOnWebgpu, runMtaOnWebgpu } from './support/webgpu-run';

/**
 * float16 MTA on webgpu where packing two halves to a word can go wrong: odd L (rows and channel maps start
 * mid-word, so neighbouring writers share a word) and maps of an odd element count (the last word half
 * used). Three checks:
 *   - the write ledger (map-storage.ts, WrittenMap.ledger): every pass that writes a packed map runs with
 *     each store counted per half; every half of the output must be written exactly once, and a whole word
 *     only by one writer. This catches a word race even where SwiftShader would not show one;
 *   - every element of every result against the cpu float64 kernel on the same float16-rounded operands,
 *     and the masked positions exactly 0: a value in the wrong half, or a half lost to a racing store,
 *     is an error of the size of the values themselves, far above float16's rounding;
 *   - scores that start mid-word (a view at an odd element offset) give bit-identical results.
 */
registerMta();
registerMtaWebgpu();
const gpu = await webgpuForTests();
const title = gpu.ready ? `float16 packing on webgpu (${gpu.adapter})` : `float16 packing on webgpu (skipped: ${gpu.reason})`;
beforeAll(() => setFallback({ strict: true }));
afterAll(() => releaseWebgpu());

const SOFTWARE_GPU_TIMEOUT_MS = 180_000;

interface Shape { B: number; Cin: number; Cout: number; L: number; kH: number; kW: number; groups: number }

/** Shapes with odd L, odd B*C*L*L, L = 1, groups, a wide kernel, and one even L (no shared words, no atomics). */
const SHAPES: (Shape & { name: string })[] = [
  { name: 'B*C*L*L = 25 (L = 5)', B: 1, Cin: 1, Cout: 1, L: 5, kH: 3, kW: 3, groups: 1 },
  { name: 'B*Cout*L*L = 147 (L = 7), Cin 3 -> Cout 1', B: 3, Cin: 3, Cout: 1, L: 7, kH: 2, kW: 3, groups: 1 },
  { name: 'L = 9, groups 2, Cout 4', B: 2, Cin: 2, Cout: 4, L: 9, kH: 3, kW: 3, groups: 2 },
  { name: 'L = 1, B*C*L*L = 3', B: 1, Cin: 3, Cout: 3, L: 1, kH: 3, kW: 3, groups: 3 },
  { name: 'L = 33, 3x5 kernel, B*Cout*L*L odd', B: 1, Cin: 1, Cout: 3, L: 33, kH: 3, kW: 5, groups: 1 },
  { name: 'L = 6 (even: whole words only)', B: 2, Cin: 2, Cout: 2, L: 6, kH: 3, kW: 3, groups: 1 },
];

function geometryOf(s: Shape, mode: 'post' | 'pre', sparse: boolean): MtaGeometry {
  const g = mtaGeometry(s, { mode, sparse, pads: resolvePads('causal', s.kH, s.kW, [1, 1]), dilation: [1, 1], groups: s.groups },
    { hasBias: true, dtype: 'float32' });
  return Object.freeze({ ...g, dtype: 'float16' });
}

/** A packed float16 map of n random values, or an f32 one. */
function map(n: number, dtype: 'float16' | 'float32', seed: number): Tensor {
  const rng = new Rng(seed);
  return tensor(Float64Array.from({ length: n }, () => rng.normal()), [n], { dtype, device: 'webgpu' });
}

/** A packed float16 map of n zeros, for a pass under test to fill. */
const halves = (n: number): Tensor => zeros([n], { dtype: 'float16', device: 'webgpu' });

/**
 * Runs one shader over `bindings` (in its binding order, `output` among them) with a zeroed ledger bound
 * after them; returns the ledger's words, one per word of `output`.
 */
async function ledgerOf(wgsl: string, label: string, bindings: readonly Tensor[], output: Tensor, workgroups: number): Promise<number[]> {
  const ledger = zeros([Math.ceil(output.size / 2)], { dtype: 'int32', device: 'webgpu' });
  const batch = new ComputeBatch(webgpuContext());
  batch.dispatch(wgsl, label, [...bindings, ledger].map((t) => batch.bind(t)), workgroups);
  batch.submit();
  const counts = Array.from(await ledger.data(), (v) => v >>> 0);
  ledger.dispose();
  return counts;
}

/** Each half of `count` elements written once: 0x10001 per word, 0x1 in a last word whose high half lies past the map. */
function expectEachHalfOnce(counts: readonly number[], count: number, what: string): void {
  const want = counts.map((_, w) => (2 * w + 1 < count ? 0x10001 : 0x1));
  const wrong = counts.flatMap((c, w) => (c === want[w] ? [] : [`word ${w}: 0x${c.toString(16)}`]));
  expect(wrong.slice(0, 5), `${what}: halves written other than once`).toEqual([]);
}

/**
 * Element by element: |got - want| <= 5e-3 (|want| + rms(want)), float16's rounding of the values and of
 * the maps between passes with room to spare; positions above the diagonal of a map exactly 0.
 */
function expectElementwise(got: ArrayLike<number>, want: ArrayLike<number>, L: number | null, what: string): void {
  expect(got.length, what).toBe(want.length);
  let sq = 0;
  for (let k = 0; k < want.length; k++) sq += want[k]! ** 2;
  const rms = Math.sqrt(sq / Math.max(1, want.length));
  const bad: string[] = [];
  for (let k = 0; k < want.length && bad.length < 5; k++) {
    const masked = L !== null && rowCol(k, L)[1] > rowCol(k, L)[0];
    const ok = masked ? Object.is(Math.abs(got[k]!), 0) : Math.abs(got[k]! - want[k]!) <= 5e-3 * (Math.abs(want[k]!) + rms);
    if (!ok) bad.push(`[${k}] ${got[k]} vs ${want[k]}${masked ? ' (masked: must be 0)' : ''}`);
  }
  expect(bad, what).toEqual([]);
}

describe.skipIf(!gpu.ready)(title, () => {
  describe('write ledger: every half of every packed output written exactly once', () => {
    for (const s of SHAPES) {
      it(s.name, async () => {
        const wg = webgpuContext().limits.workgroupSize;
        for (const sparse of [false, true]) {
          const g = geometryOf(s, 'post', sparse);
          const mapsIn = s.B * s.Cin * s.L * s.L, mapsOut = s.B * s.Cout * s.L * s.L;
          const weight = map(g.wElems, 'float32', 2), bias = map(s.Cout, 'float32', 3);
          const scores = map(mapsIn, 'float16', 4), dP = map(mapsIn, 'float32', 5), gy = map(mapsOut, 'float32', 6), c = map(mapsOut, 'float32', 7);
          const probs = halves(mapsIn), out = halves(mapsOut), gradScores = halves(mapsIn), preOut = halves(mapsOut);
          const rows = (channels: number) => s.B * channels * s.L;
          const convs = convWorkgroups(g, 'f16', wg);
          const passes: [what: string, wgsl: string, bindings: Tensor[], output: Tensor, workgroups: number][] = [
            ['post activation S -> P', rowActivationShader(g, s.Cin, wg, false, { src: 'f16', dst: 'f16', ledger: true }), [scores, probs], probs, rows(s.Cin)],
            ['post convolution P -> O', convForwardShader(g, wg, { input: 'f16', output: 'f16', ledger: true }), [probs, weight, out, bias], out, convs],
            ['post VJP (P, dP) -> dS', rowVjpShader(g, s.Cin, wg, false, { p: 'f16', g: 'f32', out: 'f16', ledger: true }), [probs, dP, gradScores], gradScores, rows(s.Cin)],
            ['pre activation C -> O', rowActivationShader(g, s.Cout, wg, false, { src: 'f32', dst: 'f16', ledger: true }), [c, preOut], preOut, rows(s.Cout)],
            ['pre transposed convolution Gy -> dS', convTransposeShader(g, wg, { input: 'f32', output: 'f16', ledger: true }), [gy, weight, gradScores], gradScores, convs],
          ];
          for (const [what, wgsl, bindings, output, workgroups] of passes) {
            expectEachHalfOnce(await ledgerOf(wgsl, what, bindings, output, workgroups), output.size, `${s.name}, ${sparse ? 'sparsemax' : 'softmax'}: ${what}`);
          }
          for (const t of [weight, bias, scores, dP, gy, c, probs, out, gradScores, preOut]) t.dispose();
        }
      }, SOFTWARE_GPU_TIMEOUT_MS);
    }
  });

  describe('every element against the cpu float64 kernel on the same float16 operands', () => {
    const settings: MtaOptions[] = [
      { mode: 'post', padding: 'causal' }, { mode: 'pre', padding: 'causal' },
      { mode: 'post', sparse: true, padding: 'causal' }, { mode: 'pre', sparse: true, padding: 'causal' },
    ];
    for (const s of SHAPES) {
      it(s.name, async () => {
        for (const [k, base] of settings.entries()) {
          const options: MtaOptions = { ...base, groups: s.groups };
          const ops = randomOperands(20 + k, { ...s, bias: k % 2 === 0 });
          const want = await float64OnHalfOperands(ops, options);
          // sparsemax on float16 is refused by the public entry (geometry.ts): its kernels run through the op.
          const got = options.sparse ? await runMtaKernelsOnWebgpu(ops, options, 'float16') : await runMtaOnWebgpu(ops, options, undefined, 'float16');
          const what = `${s.name}, ${JSON.stringify(options)}`;
          expectElementwise(got.out, want.out, s.L, `${what}: out`);
          expectElementwise(got.gradScores, want.gradScores, s.L, `${what}: grad scores`);
          expectElementwise(got.gradWeight, want.gradWeight, null, `${what}: grad weight`);
          if (want.gradBias) expectElementwise(got.gradBias!, want.gradBias, null, `${what}: grad bias`);
        }
        expect(webgpuMemory.counters().liveBytes).toBe(0);
      }, SOFTWARE_GPU_TIMEOUT_MS);
    }
  });

  it('scores starting mid-word (an odd element offset) give the same bits as the same scores at offset 0', async () => {
    const ops = randomOperands(31, { B: 1, Cin: 1, Cout: 1, L: 5, kH: 3, kW: 3 });
    const weight = tensor(ops.weight, [1, 1, 3, 3], { dtype: 'float16', device: 'webgpu' });
    const bias = tensor(ops.bias!, [1], { dtype: 'float16', device: 'webgpu' });
    const aligned = tensor(ops.scores, [1, 1, 5, 5], { dtype: 'float16', device: 'webgpu' });
    // 25 junk halves before the map: batch 1 of (2, 1, 5, 5) starts at element 25, the high half of word 12.
    const both = tensor(Float64Array.from([...new Float64Array(25).fill(Number.NaN), ...ops.scores]), [2, 1, 5, 5], { dtype: 'float16', device: 'webgpu' });
    const shifted = slice(both, [1, 0, 0, 0], [2, 1, 5, 5]);
    expect(shifted.offset % 2).toBe(1);
    for (const options of [{ mode: 'post', padding: 1 }, { mode: 'pre', padding: 'causal' }] as MtaOptions[]) {
      const [a, b] = noGrad(() => tidy(() => [multiTokenAttention(aligned, weight, bias, options), multiTokenAttention(shifted, weight, bias, options)]));
      expect(Array.from(await b!.data()), JSON.stringify(options)).toEqual(Array.from(await a!.data()));
      a!.dispose();
      b!.dispose();
    }
    for (const t of [weight, bias, aligned, shifted, both]) t.dispose();
  });
});
