import {
  Conv2d, Conv2dBackpropFilter, Conv2dBackpropInput, registerKernel,
  type BackpropFilterAttrs, type BackpropInputAttrs, type Conv2dAttrs, type KernelArgs, hostData } from '@mta/core';
import type { Data } from '../data.js';
import { specializeByArray } from '../specialize.js';

/**
 * Stride-1 NCHW convolution as shift-and-accumulate: for each kernel tap (ki, kj) the output window whose
 * input lies inside the image is computed once, and the tap's weight is applied along whole rows with no
 * bounds checks in the inner loop; taps along a kernel row are fused three at a time. With the small
 * kernels this framework sees (3x3, causal 2x5, ...) each pass streams contiguous rows of one input and
 * one output plane, which stay in L1/L2. Element loops are self-contained, one copy per element type
 * (specialize.ts).
 */
interface Geometry {
  readonly n: number; readonly cin: number; readonly h: number; readonly w: number;
  readonly cout: number; readonly cinPerGroup: number; readonly coutPerGroup: number;
  readonly kh: number; readonly kw: number; readonly oh: number; readonly ow: number;
  readonly padTop: number; readonly padLeft: number; readonly dh: number; readonly dw: number;
}

function geometry(input: readonly number[], weight: readonly number[], output: readonly number[], attrs: Conv2dAttrs): Geometry {
  const [n, cin, h, w] = input as [number, number, number, number];
  const [cout, cinPerGroup, kh, kw] = weight as [number, number, number, number];
  return {
    n, cin, h, w, cout, cinPerGroup, coutPerGroup: cout / attrs.groups, kh, kw,
    oh: output[2], ow: output[3], padTop: attrs.pads[0], padLeft: attrs.pads[2], dh: attrs.dilation[0], dw: attrs.dilation[1],
  };
}

/**
 * One row of taps: D[d + c] += sum_k W[wo + k] * S[s + c + shift0 + k * step] for every c in [0, dstLen)
 * whose source column lies in [0, srcLen). Where all taps are in range, up to three taps are fused into
 * one pass (a third of the loads and stores of D); the ragged edges go tap by tap. Forward convolution
 * (D = output row, S = input row) and the input gradient (D = input row, S = output-gradient row, shifts
 * negated) are both this loop. Self-contained: one copy per element type.
 */
function accumulateTaps(D: Data, d: number, dstLen: number, S: Data, s: number, srcLen: number, W: Data, wo: number, taps: number, shift0: number, step: number): void {
  const shiftLast = shift0 + (taps - 1) * step;
  const lowShift = Math.min(shift0, shiftLast), highShift = Math.max(shift0, shiftLast);
  const lo = Math.min(dstLen, Math.max(0, -lowShift)), hi = Math.max(lo, Math.min(dstLen, srcLen - highShift));
  for (let k0 = 0; k0 < taps; k0 += 3) {
    const count = Math.min(3, taps - k0);
    const a = s + shift0 + k0 * step, b = a + step, c3 = b + step;
    const w0 = W[wo + k0], w1 = count > 1 ? W[wo + k0 + 1] : 0, w2 = count > 2 ? W[wo + k0 + 2] : 0;
    if (count === 3) for (let c = lo; c < hi; c++) D[d + c] += w0 * S[a + c] + w1 * S[b + c] + w2 * S[c3 + c];
    else if (count === 2) for (let c = lo; c < hi; c++) D[d + c] += w0 * S[a + c] + w1 * S[b + c];
    else for (let c = lo; c < hi; c++) D[d + c] += w0 * S[a + c];
  }
  if (lo === 0 && hi === dstLen) return;
  for (let k = 0; k < taps; k++) {
    const shift = shift0 + k * step, wv = W[wo + k], src = s + shift;
    const c0 = Math.max(0, -shift), c1 = Math.min(dstLen, srcLen - shift);
    for (let c = c0; c < Math.min(c1, lo); c++) D[d + c] += wv * S[src + c];
    for (let c = Math.max(c0, hi); c < c1; c++) D[d + c] += wv * S[src + c];
  }
}

const accumulateTapsFor = specializeByArray(accumulateTaps);

/** Y = conv(X, W) + bias. Output row r, kernel row ki reads input row r + ki*dh - padTop. */
function forward(g: Geometry, X: Data, xo: number, W: Data, wo: number, bias: Data | null, bo: number, O: Data): void {
  const taps = accumulateTapsFor(O);
  const plane = g.oh * g.ow, inPlane = g.h * g.w;
  for (let b = 0; b < g.n; b++) {
    for (let oc = 0; oc < g.cout; oc++) {
      const oBase = (b * g.cout + oc) * plane;
      O.fill(bias === null ? 0 : bias[bo + oc], oBase, oBase + plane);
      const group = Math.floor(oc / g.coutPerGroup);
      for (let icg = 0; icg < g.cinPerGroup; icg++) {
        const xBase = xo + (b * g.cin + group * g.cinPerGroup + icg) * inPlane;
        const wBase = wo + (oc * g.cinPerGroup + icg) * g.kh * g.kw;
        for (let ki = 0; ki < g.kh; ki++) {
          const sy = ki * g.dh - g.padTop;
          const r0 = Math.max(0, -sy), r1 = Math.min(g.oh, g.h - sy);
          for (let r = r0; r < r1; r++) {
            taps(O, oBase + r * g.ow, g.ow, X, xBase + (r + sy) * g.w, g.w, W, wBase + ki * g.kw, g.kw, -g.padLeft, g.dw);
          }
        }
      }
    }
  }
}

/** dX: each input row gathers the output-gradient rows that read it, through the same taps reversed. */
function backpropInput(g: Geometry, G: Data, go: number, W: Data, wo: number, D: Data): void {
  const taps = accumulateTapsFor(D);
  const plane = g.oh * g.ow, inPlane = g.h * g.w;
  D.fill(0);
  for (let b = 0; b < g.n; b++) {
    for (let oc = 0; oc < g.cout; oc++) {
      const gBase = go + (b * g.cout + oc) * plane;
      const group = Math.floor(oc / g.coutPerGroup);
      for (let icg = 0; icg < g.cinPerGroup; icg++) {
        const dBase = (b * g.cin + group * g.cinPerGroup + icg) * inPlane;
        const wBase = wo + (oc * g.cinPerGroup + icg) * g.kh * g.kw;
        for (let ki = 0; ki < g.kh; ki++) {
          const sy = ki * g.dh - g.padTop;
          const r0 = Math.max(0, -sy), r1 = Math.min(g.oh, g.h - sy);
          for (let r = r0; r < r1; r++) {
            taps(D, dBase + (r + sy) * g.w, g.w, G, gBase + r * g.ow, g.ow, W, wBase + ki * g.kw, g.kw, g.padLeft, -g.dw);
          }
        }
      }
    }
  }
}

/** dW: each weight is the correlation of its input plane, shifted by the tap, with dY (float64 sums). */
function backpropFilterLoops(g: Geometry, X: Data, xo: number, G: Data, go: number, D: Data): void {
  const plane = g.oh * g.ow, inPlane = g.h * g.w;
  for (let oc = 0; oc < g.cout; oc++) {
    const group = Math.floor(oc / g.coutPerGroup);
    for (let icg = 0; icg < g.cinPerGroup; icg++) {
      const ic = group * g.cinPerGroup + icg;
      for (let ki = 0; ki < g.kh; ki++) {
        const sy = ki * g.dh - g.padTop;
        const r0 = Math.max(0, -sy), r1 = Math.min(g.oh, g.h - sy);
        for (let kj = 0; kj < g.kw; kj++) {
          const sx = kj * g.dw - g.padLeft;
          const c0 = Math.max(0, -sx), c1 = Math.min(g.ow, g.w - sx);
          let acc = 0;
          for (let b = 0; b < g.n; b++) {
            const gBase = go + (b * g.cout + oc) * plane;
            const xBase = xo + (b * g.cin + ic) * inPlane;
            for (let r = r0; r < r1; r++) {
              const gRow = gBase + r * g.ow, xRow = xBase + (r + sy) * g.w + sx;
              for (let c = c0; c < c1; c++) acc += G[gRow + c] * X[xRow + c];
            }
          }
          D[((oc * g.cinPerGroup + icg) * g.kh + ki) * g.kw + kj] = acc;
        }
      }
    }
  }
}

const backpropFilterFor = specializeByArray(backpropFilterLoops);

function conv2dKernel({ inputs: [x, w, bias], outputs: [out], attrs }: KernelArgs<Conv2dAttrs>): void {
  const O = hostData(out);
  forward(geometry(x.shape, w.shape, out.shape, attrs), hostData(x), x.offset, hostData(w), w.offset,
    bias ? hostData(bias) : null, bias ? bias.offset : 0, O);
}

function backpropInputKernel({ inputs: [dy, w], outputs: [dx], attrs }: KernelArgs<BackpropInputAttrs>): void {
  const D = hostData(dx);
  backpropInput(geometry(attrs.inputShape, w.shape, dy.shape, attrs), hostData(dy), dy.offset, hostData(w), w.offset, D);
}

function backpropFilterKernel({ inputs: [x, dy], outputs: [dw], attrs }: KernelArgs<BackpropFilterAttrs>): void {
  const D = hostData(dw);
  backpropFilterFor(D)(geometry(x.shape, attrs.weightShape, dy.shape, attrs), hostData(x), x.offset, hostData(dy), dy.offset, D);
}

export function registerConv2dKernels(): (() => void)[] {
  return [
    registerKernel(Conv2d, 'cpu', conv2dKernel),
    registerKernel(Conv2dBackpropInput, 'cpu', backpropInputKernel),
    registerKernel(Conv2dBackpropFilter, 'cpu', backpropFilterKernel),
  ];
}
