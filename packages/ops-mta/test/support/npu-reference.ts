/**
 * An independent float64 MTA reference, written directly from the golden README's semantics with plain
 * loops: masks, sort-based sparsemax, direct convolution and its adjoints. Slow (O(L^2 * K)), for small L.
 */
import { mulberry32 } from '@mta/core';
import { softmaxReference, sparsemaxReference } from '../../src/testing/index.js';
import type { NpuMtaConfig, NpuMtaShape } from '../../src/kernels/npu/index.js';

const MASKED = -1e9;


function activate(x: Float64Array, maps: number, L: number, sparse: boolean): Float64Array {
  const out = new Float64Array(x.length);
  for (let m = 0; m < maps; m++) {
    for (let i = 0; i < L; i++) {
      const row = new Float64Array(L);
      for (let j = 0; j < L; j++) row[j] = j > i ? MASKED : x[(m * L + i) * L + j]!;
      const p = sparse ? sparsemaxReference(row) : softmaxReference(row);
      out.set(p, (m * L + i) * L);
    }
  }
  return out;
}

function activateBackward(g: Float64Array, p: Float64Array, maps: number, L: number, sparse: boolean): Float64Array {
  const out = new Float64Array(g.length);
  for (let m = 0; m < maps; m++) {
    for (let i = 0; i < L; i++) {
      const o = (m * L + i) * L;
      if (sparse) {
        let s = 0;
        let c = 0;
        for (let j = 0; j < L; j++) if (p[o + j]! > 0) { s += g[o + j]!; c++; }
        for (let j = 0; j < L; j++) out[o + j] = p[o + j]! > 0 ? g[o + j]! - s / c : 0;
      } else {
        let d = 0;
        for (let j = 0; j < L; j++) d += g[o + j]! * p[o + j]!;
        for (let j = 0; j < L; j++) out[o + j] = p[o + j]! * (g[o + j]! - d);
      }
    }
  }
  return out;
}

function maskZero(x: Float64Array, maps: number, L: number): Float64Array {
  const out = Float64Array.from(x);
  for (let m = 0; m < maps; m++) for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) out[(m * L + i) * L + j] = 0;
  return out;
}

interface Conv {
  shape: NpuMtaShape;
  config: NpuMtaConfig;
}

/** Y[b,co,y,x] = bias + sum W[co,ci',kh,kw] * X[b,ci,y - pt + kh*dh, x - pl + kw*dw] (zero outside). */
function conv(c: Conv, x: Float64Array, w: Float64Array, bias: Float64Array | null): Float64Array {
  const { B, Cin, Cout, L, kH, kW } = c.shape;
  const [pt, , pl] = c.config.pads;
  const [dh, dw] = c.config.dilation;
  const G = c.config.groups;
  const cig = Cin / G;
  const cog = Cout / G;
  const y = new Float64Array(B * Cout * L * L);
  for (let b = 0; b < B; b++) for (let co = 0; co < Cout; co++) {
    const g = Math.floor(co / cog);
    for (let oy = 0; oy < L; oy++) for (let ox = 0; ox < L; ox++) {
      let s = bias ? bias[co]! : 0;
      for (let c2 = 0; c2 < cig; c2++) for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) {
        const iy = oy - pt + kh * dh;
        const ix = ox - pl + kw * dw;
        if (iy < 0 || iy >= L || ix < 0 || ix >= L) continue;
        s += w[((co * cig + c2) * kH + kh) * kW + kw]! * x[((b * Cin + g * cig + c2) * L + iy) * L + ix]!;
      }
      y[((b * Cout + co) * L + oy) * L + ox] = s;
    }
  }
  return y;
}

/** Adjoints of conv: dX, dW, db for output gradient gy. */
function convBackward(c: Conv, x: Float64Array, w: Float64Array, gy: Float64Array): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { B, Cin, Cout, L, kH, kW } = c.shape;
  const [pt, , pl] = c.config.pads;
  const [dh, dwl] = c.config.dilation;
  const G = c.config.groups;
  const cig = Cin / G;
  const cog = Cout / G;
  const dx = new Float64Array(B * Cin * L * L);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(Cout);
  for (let b = 0; b < B; b++) for (let co = 0; co < Cout; co++) {
    const g = Math.floor(co / cog);
    for (let oy = 0; oy < L; oy++) for (let ox = 0; ox < L; ox++) {
      const gv = gy[((b * Cout + co) * L + oy) * L + ox]!;
      db[co] += gv;
      for (let c2 = 0; c2 < cig; c2++) for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) {
        const iy = oy - pt + kh * dh;
        const ix = ox - pl + kw * dwl;
        if (iy < 0 || iy >= L || ix < 0 || ix >= L) continue;
        const xi = ((b * Cin + g * cig + c2) * L + iy) * L + ix;
        const wi = ((co * cig + c2) * kH + kh) * kW + kw;
        dx[xi] += w[wi]! * gv;
        dw[wi] += x[xi]! * gv;
      }
    }
  }
  return { dx, dw, db };
}

export interface ReferenceResult {
  out: Float64Array;
  gradScores: Float64Array;
  gradWeight: Float64Array;
  gradBias: Float64Array;
}

export function referenceMta(shape: NpuMtaShape, config: NpuMtaConfig, scores: Float64Array, weight: Float64Array, bias: Float64Array | null, gradOut: Float64Array): ReferenceResult {
  const { B, Cin, Cout, L } = shape;
  const c = { shape, config };
  if (config.mode === 'post') {
    const p = activate(scores, B * Cin, L, config.sparse);
    const out = maskZero(conv(c, p, weight, bias), B * Cout, L);
    const gy = maskZero(gradOut, B * Cout, L);
    const { dx: dp, dw, db } = convBackward(c, p, weight, gy);
    const ds = maskZero(activateBackward(dp, p, B * Cin, L, config.sparse), B * Cin, L);
    return { out, gradScores: ds, gradWeight: dw, gradBias: db };
  }
  const s0 = maskZero(scores, B * Cin, L);
  const cc = conv(c, s0, weight, bias);
  const out = activate(cc, B * Cout, L, config.sparse);
  const dc = maskZero(activateBackward(gradOut, out, B * Cout, L, config.sparse), B * Cout, L);
  const { dx, dw, db } = convBackward(c, s0, weight, dc);
  return { out, gradScores: maskZero(dx, B * Cin, L), gradWeight: dw, gradBias: db };
}

/** Deterministic pseudo-random numbers (core's mulberry32). */
export const rng = mulberry32;

export function randn(n: number, next: () => number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(next(), 1e-12);
    out[i] = Math.fround(scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next()));
  }
  return out;
}
