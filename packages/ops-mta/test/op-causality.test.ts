import '@mta/ops-mta/register';
import { beforeAll, describe, expect, it } from 'vitest';
import { setFallback } from '@mta/core';
import type { MtaOptions, MtaPadding } from '@mta/ops-mta';
import { allFiniteValues, firstBitDifference, randomOperands, rowCol, runMta, type DeviceName, type MtaOperands, type MtaRun } from './support/op-harness';
import { variantLabel, VARIANTS } from './support/op-layouts';

/**
 * Causality of multiTokenAttention through the public op, on cpu fused, cpu composite and npu:
 * (a) masked scores (key j after query i) are never read: NaN or 1e6 there changes no output or gradient bit;
 * (b) with padding 'causal', a change in score row r changes no output row before r, and the gradient of
 *     output row r reaches no score row after r (both exactly);
 * (c) Liger-compatible symmetric padding is NOT causal (row r - 1 reads row r): the documented exception.
 */
beforeAll(() => setFallback({ strict: true }));

const PATHS: readonly { label: string; device: DeviceName; impl: MtaOptions['impl'] }[] = [
  { label: 'cpu fused', device: 'cpu', impl: 'fused' },
  { label: 'cpu composite', device: 'cpu', impl: 'composite' },
  { label: 'npu fused', device: 'npu', impl: 'fused' },
];

type Field = keyof MtaRun;
const FIELDS: readonly Field[] = ['out', 'gradScores', 'gradWeight', 'gradBias'];

function withScores(ops: MtaOperands, edit: (k: number, row: number, col: number, value: number) => number): MtaOperands {
  const scores = ops.scores.map((v, k) => { const [row, col] = rowCol(k, ops.L); return edit(k, row, col, v); });
  return { ...ops, scores };
}

describe('(a) masked scores never reach any output or gradient', () => {
  const layouts: readonly { label: string; padding: MtaPadding; kernel: [number, number]; dilation: number; groups: number }[] = [
    { label: 'symmetric padding 1, 3x3', padding: 1, kernel: [3, 3], dilation: 1, groups: 1 },
    { label: "'causal', 2x5 dilation 2, groups 2", padding: 'causal', kernel: [2, 5], dilation: 2, groups: 2 },
  ];
  for (const path of PATHS) {
    for (const layout of layouts) {
      for (const variant of VARIANTS) {
        it(`${path.label}, ${layout.label}, ${variantLabel(variant)}`, () => {
          const ops = randomOperands(500, { B: 2, Cin: 2, Cout: 4, L: 9, kH: layout.kernel[0], kW: layout.kernel[1], groups: layout.groups, scoreScale: 2 });
          const options: MtaOptions = { ...variant, padding: layout.padding, dilation: layout.dilation, groups: layout.groups, impl: path.impl };
          const settings = { device: path.device, dtype: path.device === 'npu' ? 'float32' as const : 'float64' as const };
          const base = runMta(ops, options, settings);
          for (const poison of [Number.NaN, 1e6, -1e6]) {
            const poisoned = withScores(ops, (_k, row, col, v) => (col > row ? poison : v));
            // The output is 0 at masked positions whatever the input, so grad_out there must not matter either.
            const gradOut = ops.gradOut.map((v, k) => { const [row, col] = rowCol(k, ops.L); return col > row ? 1e6 : v; });
            const other = runMta({ ...poisoned, gradOut }, options, settings);
            for (const field of FIELDS) {
              expect(firstBitDifference(other[field], base[field]), `${field} with masked scores = ${poison}`).toBeNull();
              if (other[field]) expect(allFiniteValues(other[field]!), `${field} finite`).toBe(true);
            }
          }
          // Masked entries of the output and of grad_scores are exact zeros.
          for (const map of [base.out, base.gradScores]) {
            map.forEach((v, k) => { const [row, col] = rowCol(k, ops.L); if (col > row) expect(v).toBe(0); });
          }
        });
      }
    }
  }
});

const L = 7;

/**
 * Score row r with every kept entry moved by a different amount (a uniform shift would be invisible to the
 * shift-invariant softmax and sparsemax).
 */
function perturbRow(ops: MtaOperands, r: number): MtaOperands {
  return withScores(ops, (k, row, col, v) => (row === r && col <= r ? v + 0.25 + ((k * 7919) % 13) / 13 : v));
}

/**
 * Keeps the causality probes from passing vacuously. Softmax responds to any non-uniform change, so every
 * candidate row must respond (row 0 is never a candidate: it has one kept key, so its distribution is fixed).
 * A sparsemax row whose support is a single key is locally constant, so there half of them must respond.
 */
function expectResponsive(responded: readonly number[], candidates: number, sparse: boolean, what: string): void {
  const needed = sparse ? Math.ceil(candidates / 2) : candidates;
  expect(responded.length, `${what}: rows that responded ${JSON.stringify(responded)}`).toBeGreaterThanOrEqual(needed);
}

/** Output rows (over every batch and channel) where two runs differ bitwise. */
function changedRows(a: Float64Array, b: Float64Array, L: number): Set<number> {
  const rows = new Set<number>();
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) rows.add(rowCol(k, L)[0]);
  return rows;
}

const CAUSAL_LAYOUTS = [
  { label: '3x3', kernel: [3, 3] as [number, number], dilation: 1 },
  { label: '2x3 dilation 2', kernel: [2, 3] as [number, number], dilation: 2 },
];
describe("(b) padding 'causal': no output row depends on a later query row", () => {
  for (const path of PATHS) {
    for (const layout of CAUSAL_LAYOUTS) {
      for (const variant of VARIANTS) {
        const options: MtaOptions = { ...variant, padding: 'causal', dilation: layout.dilation, impl: path.impl };
        const settings = { device: path.device, dtype: 'float32' as const };
        const sizes = { B: 2, Cin: 2, Cout: 2, L, kH: layout.kernel[0], kW: layout.kernel[1], scoreScale: 2 };

        it(`${path.label}, ${layout.label}, ${variantLabel(variant)}: perturbing score row r changes no output row < r`, () => {
          const ops = randomOperands(600, sizes);
          const base = runMta(ops, options, settings);
          const responded: number[] = [];
          for (let r = 0; r < L; r++) {
            const rows = changedRows(runMta(perturbRow(ops, r), options, settings).out, base.out, L);
            expect([...rows].filter((row) => row < r), `rows before ${r} changed`).toEqual([]);
            if (r >= 1 && rows.has(r)) responded.push(r);
          }
          expectResponsive(responded, L - 1, variant.sparse, 'output row r after perturbing score row r');
        });

        it(`${path.label}, ${layout.label}, ${variantLabel(variant)}: the gradient of output row r is exactly zero on score rows > r`, () => {
          const ops = randomOperands(700, sizes);
          const responded: number[] = [];
          for (let r = 0; r < L; r++) {
            const gradOut = ops.gradOut.map((v, k) => (rowCol(k, L)[0] === r ? v : 0));
            const { gradScores } = runMta({ ...ops, gradOut }, options, settings);
            let reached = false;
            gradScores.forEach((g, k) => {
              const row = rowCol(k, L)[0];
              if (row > r && g !== 0) throw new Error(`output row ${r} has gradient ${g} on score row ${row} (flat index ${k})`);
              if (row === r && g !== 0) reached = true;
            });
            if (r >= 1 && reached) responded.push(r);
          }
          expectResponsive(responded, L - 1, variant.sparse, 'score row r receiving gradient from output row r');
        });
      }
    }
  }
});

describe('(c) symmetric (Liger-compatible) padding is not causal: the documented exception', () => {
  for (const path of PATHS) {
    for (const variant of VARIANTS) {
      it(`${path.label}, padding 1, 3x3, ${variantLabel(variant)}: perturbing row r changes row r - 1`, () => {
        const options: MtaOptions = { ...variant, padding: 1, impl: path.impl };
        const settings = { device: path.device, dtype: 'float32' as const };
        const ops = randomOperands(800, { B: 1, Cin: 2, Cout: 2, L, kH: 3, kW: 3, scoreScale: 2 });
        const base = runMta(ops, options, settings);
        // From r = 2: in pre mode output row 0 is a softmax over one key, constant whatever row 1 holds.
        const leaked: number[] = [];
        for (let r = 2; r < L; r++) {
          if (changedRows(runMta(perturbRow(ops, r), options, settings).out, base.out, L).has(r - 1)) leaked.push(r);
        }
        expectResponsive(leaked, L - 2, variant.sparse, 'output row r - 1 after perturbing score row r');
      });
    }
  }
});
