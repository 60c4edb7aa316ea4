import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F64_GENERATED_PATH, GENERATED_PATH, assembleRows, expandFma, generatedF64RowsModule, generatedRowsModule } from '../tools/wasm/assemble';
import { EXP_FLUSH_BELOW, EXP_ROUND_SHIFT, EXP_TAYLOR, LN2_HI, LN2_LO, LOG2E } from '../src/kernels/cpu/softmax-exp';

/**
 * The committed wasm bytes (src/kernels/cpu/wasm/rows-f32.generated.ts) are exactly what wabt makes of
 * rows-f32.wat today: editing the .wat without running tools/wasm/build.ts fails here.
 */
describe('rows-f32.generated.ts', () => {
  it('equals the wabt assembly of rows-f32.wat', async () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(await generatedRowsModule());
  });

  it('rows-f64.generated.ts equals the wabt assembly of rows-f64.wat', async () => {
    expect(readFileSync(F64_GENERATED_PATH, 'utf8')).toBe(await generatedF64RowsModule());
  });

  it("rows-f64.wat's softmax constants are softmax-exp.ts's, bit for bit", () => {
    const wat = readFileSync(new URL('../src/kernels/cpu/wasm/rows-f64.wat', import.meta.url), 'utf8');
    const body = wat.slice(wat.indexOf('(func (export "softmax")'));
    // The splatted f64 constants of softmax, in the order the function sets them.
    const constants = [...body.matchAll(/\(f64x2\.splat \(f64\.const ([^)]+)\)\)/g)].map((m) => hexFloat(m[1]!));
    expect(constants).toEqual([LOG2E, EXP_ROUND_SHIFT, LN2_HI, LN2_LO, EXP_FLUSH_BELOW, ...EXP_TAYLOR]);
  });

  it('has FMA only in the relaxed variant', () => {
    const source = '(fma (local.get $a) (fma (local.get $b) (local.get $c) (local.get $d)) (local.get $e))';
    expect(expandFma(source, 'relaxed')).toBe(
      '(f32x4.relaxed_madd (local.get $a) (f32x4.relaxed_madd (local.get $b) (local.get $c) (local.get $d)) (local.get $e))');
    expect(expandFma(source, 'fallback')).toBe(
      '(f32x4.add (f32x4.mul (local.get $a) (f32x4.add (f32x4.mul (local.get $b) (local.get $c)) (local.get $d))) (local.get $e))');
  });

  it('rejects an edited kernel that does not validate', async () => {
    const broken = '(module (func (result i32) (f32.const 1)))';
    await expect(assembleRows('fallback', broken)).rejects.toThrow();
  });
});

/**
 * Node 20 runs the relaxed (FMA) module only under --experimental-wasm-relaxed-simd, so the kernel tests
 * in this process exercise the mul + add one. This runs all four in a child with the flag (FMA or not, over
 * a shared or a private memory): the same 3x3 convolution and weight-gradient sums from each, against a
 * float64 reference.
 */
describe('the relaxed-simd (FMA) variant', () => {
  it('validates under --experimental-wasm-relaxed-simd and agrees with the mul + add variant to float32 rounding', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      const text = readFileSync(${JSON.stringify(GENERATED_PATH.pathname)}, 'utf8');
      const bytes = (name) => Buffer.from(text.split(name + ' =')[1].split("'")[1], 'base64');
      const n = 37, results = {};
      for (const name of ['ROWS_F32_RELAXED_SHARED_BASE64', 'ROWS_F32_FALLBACK_SHARED_BASE64', 'ROWS_F32_RELAXED_PRIVATE_BASE64', 'ROWS_F32_FALLBACK_PRIVATE_BASE64']) {
        const b = bytes(name);
        if (!WebAssembly.validate(b)) throw new Error(name + ' does not validate');
        const memory = name.includes('SHARED') ? new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true }) : new WebAssembly.Memory({ initial: 1 });
        const k = new WebAssembly.Instance(new WebAssembly.Module(b), { env: { memory } }).exports;
        const f = new Float32Array(memory.buffer);
        let seed = 7; const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
        for (let i = 0; i < 4096; i++) f[i] = 0;
        for (let r = 0; r < 3; r++) for (let j = 0; j < n + 2; j++) f[256 + r * 64 + j] = rand();
        for (let t = 0; t < 9; t++) f[64 + t] = rand();
        k.conv3x3(4 * 1024, 4 * 256, 4 * 320, 4 * 384, 4 * 64, n);
        const dw = new Float64Array(memory.buffer, 4 * 3072, 3); dw.fill(0);
        for (let j = 0; j < n; j++) f[2048 + j] = rand();
        k.grad3(4 * 1536, 4 * 256, 4 * 2048, 4 * 64, 4 * 3072, n);
        const ref = [];
        for (let j = 0; j < n; j++) { let s = 0; for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) s += f[64 + 3 * r + c] * f[256 + r * 64 + j + c]; ref.push(s); }
        const dref = [0, 1, 2].map((q) => { let s = 0; for (let c = 0; c < n; c++) s += f[2048 + c] * f[256 + c + 2 - q]; return s; });
        // Two output rows at once (convRowPair, two input channels) against convRow row by row: the same bits.
        for (let r = 3; r < 5; r++) for (let j = 0; j < n + 2; j++) f[256 + r * 64 + j] = rand();
        for (let t = 9; t < 18; t++) f[64 + t] = rand();
        const rowAt = (r) => 4 * (256 + r * 64), chans = [[0, 1, 2, 3], [1, 2, 3, 4]];
        const t4 = new Int32Array(memory.buffer, 4 * 3200, 8);
        chans.forEach((rows, c) => rows.forEach((r, k) => { t4[4 * c + k] = rowAt(r); }));
        k.convRowPair(4 * 1536, 4 * 1600, 4 * 3200, 4 * 64, 0.25, n, 2);
        const pair = [Array.from(f.subarray(1536, 1536 + n)), Array.from(f.subarray(1600, 1600 + n))];
        const t3 = new Int32Array(memory.buffer, 4 * 3300, 6), single = [];
        for (const row of [0, 1]) {
          chans.forEach((rows, c) => [0, 1, 2].forEach((k3) => { t3[3 * c + k3] = rowAt(rows[row + k3]); }));
          k.convRow(4 * 1700, 4 * 3300, 4 * 64, 0.25, n, 2);
          single.push(Array.from(f.subarray(1700, 1700 + n)));
        }
        results[name] = { conv: Array.from(f.subarray(1024, 1024 + n)), ref, dw: Array.from(dw), dref, pair, single };
      }
      console.log(JSON.stringify(results));`;
    const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const results = JSON.parse(out) as Record<string, { conv: number[]; ref: number[]; dw: number[]; dref: number[]; pair: number[][]; single: number[][] }>;
    expect(Object.keys(results)).toHaveLength(4);
    for (const r of Object.values(results)) {
      expect(r.pair, 'convRowPair = convRow per row, bit for bit').toEqual(r.single);
      expect(r.single[0]!.some((v, j) => v !== r.single[1]![j]), 'the two rows differ').toBe(true);
      r.conv.forEach((v, j) => expect(Math.abs(v - r.ref[j]!)).toBeLessThanOrEqual(1e-5));
      r.dw.forEach((v, q) => expect(Math.abs(v - r.dref[q]!)).toBeLessThanOrEqual(1e-5));
    }
  });
});

/** The float64 a WebAssembly hexadecimal float literal ([-]0x1.hhhp[+-]e) stands for (each step is exact). */
function hexFloat(literal: string): number {
  const m = /^(-?)0x([0-9a-f])(?:\.([0-9a-f]*))?p([+-]\d+)$/i.exec(literal.trim());
  if (m === null) throw new Error(`not a hexadecimal float: ${literal}`);
  const [, sign, lead, fraction = '', exponent] = m;
  let mantissa = Number.parseInt(lead!, 16);
  for (let k = 0; k < fraction.length; k++) mantissa += Number.parseInt(fraction[k]!, 16) / 16 ** (k + 1);
  return (sign === '-' ? -1 : 1) * mantissa * 2 ** Number(exponent);
}
