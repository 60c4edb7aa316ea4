/**
 * Naive float64 reference implementations for the shared op suite. Written from the definitions, one
 * multi-index at a time, sharing no code with core's shape helpers or any device's kernels, so a bug in
 * either cannot hide behind the same bug here.
 */
export interface Ref {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function ref(shape: readonly number[], values: ArrayLike<number>): Ref {
  const size = shape.reduce((n, d) => n * d, 1);
  if (values.length !== size) throw new Error(`reference: ${values.length} values for shape [${shape.join(', ')}]`);
  return { shape: [...shape], data: Float64Array.from(values) };
}

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = shape.map(() => 1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  return strides;
}

/** Calls fn for every multi-index of `shape` in row-major order. */
export function forEachIndex(shape: readonly number[], fn: (index: readonly number[], flat: number) => void): void {
  const size = sizeOfShape(shape);
  const index = shape.map(() => 0);
  for (let flat = 0; flat < size; flat++) {
    fn(index, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
}

function flatIndex(shape: readonly number[], index: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + index[d]!;
  return flat;
}

/** Reads `r` at an index of a (possibly larger) broadcast shape, aligning trailing dims. */
function readBroadcast(r: Ref, index: readonly number[]): number {
  const lead = index.length - r.shape.length;
  let flat = 0;
  for (let d = 0; d < r.shape.length; d++) flat = flat * r.shape[d]! + (r.shape[d] === 1 ? 0 : index[lead + d]!);
  return r.data[flat]!;
}

export function broadcastShapeRef(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    let size = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + d] ?? 1;
      if (v !== 1) {
        if (size !== 1 && size !== v) throw new Error(`reference: shapes do not broadcast: ${shapes.map((x) => `[${x.join(', ')}]`).join(' ')}`);
        size = v;
      }
    }
    out.push(size);
  }
  return out;
}

export function mapRef(shape: readonly number[], inputs: readonly Ref[], fn: (...values: number[]) => number): Ref {
  const out = new Float64Array(sizeOfShape(shape));
  forEachIndex(shape, (index, flat) => { out[flat] = fn(...inputs.map((r) => readBroadcast(r, index))); });
  return { shape: [...shape], data: out };
}

/** Elementwise fn over broadcast inputs. */
export function elementwiseRef(inputs: readonly Ref[], fn: (...values: number[]) => number): Ref {
  return mapRef(broadcastShapeRef(...inputs.map((r) => r.shape)), inputs, fn);
}

export function reduceRef(x: Ref, axes: readonly number[], keepDims: boolean, kind: 'sum' | 'max'): Ref {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(sizeOfShape(keptShape)).fill(kind === 'sum' ? 0 : -Infinity);
  forEachIndex(x.shape, (index, flat) => {
    const o = flatIndex(keptShape, index.map((v, i) => (axes.includes(i) ? 0 : v)));
    const v = x.data[flat]!;
    out[o] = kind === 'sum' ? out[o]! + v : Number.isNaN(v) || Number.isNaN(out[o]!) ? NaN : Math.max(out[o]!, v);
  });
  return { shape: keepDims ? keptShape : x.shape.filter((_, i) => !axes.includes(i)), data: out };
}

export function matmulRef(a: Ref, b: Ref): Ref {
  const m = a.shape[a.shape.length - 2]!, k = a.shape[a.shape.length - 1]!, n = b.shape[b.shape.length - 1]!;
  const batch = broadcastShapeRef(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  const out = new Float64Array(sizeOfShape(shape));
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  const pick = (shape: readonly number[], index: readonly number[]): number[] => {
    const lead = index.length - shape.length;
    return shape.map((d, i) => (d === 1 ? 0 : index[lead + i]!));
  };
  forEachIndex(shape, (index, flat) => {
    const bi = index.slice(0, -2), i = index[index.length - 2]!, j = index[index.length - 1]!;
    const ai = pick(aBatch, bi), bj = pick(bBatch, bi);
    let s = 0;
    for (let p = 0; p < k; p++) s += a.data[flatIndex(a.shape, [...ai, i, p])]! * b.data[flatIndex(b.shape, [...bj, p, j])]!;
    out[flat] = s;
  });
  return { shape, data: out };
}

/** Applies fn to every lane along `axis` (values in, values out). */
function laneMap(inputs: readonly Ref[], axis: number, fn: (lanes: number[][]) => number[]): Ref {
  const shape = inputs[0]!.shape;
  const out = new Float64Array(sizeOfShape(shape));
  const laneShape = shape.map((d, i) => (i === axis ? 1 : d));
  forEachIndex(laneShape, (index) => {
    const positions = Array.from({ length: shape[axis]! }, (_, p) => flatIndex(shape, index.map((v, i) => (i === axis ? p : v))));
    const result = fn(inputs.map((r) => positions.map((p) => r.data[p]!)));
    positions.forEach((p, q) => { out[p] = result[q]!; });
  });
  return { shape: [...shape], data: out };
}

export function softmaxRef(x: Ref, axis: number): Ref {
  return laneMap([x], axis, ([v]) => {
    const m = Math.max(...v!);
    const e = v!.map((t) => Math.exp(t - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((t) => t / s);
  });
}

export function logSoftmaxRef(x: Ref, axis: number): Ref {
  return laneMap([x], axis, ([v]) => {
    const m = Math.max(...v!);
    const lse = m + Math.log(v!.reduce((p, t) => p + Math.exp(t - m), 0));
    return v!.map((t) => t - lse);
  });
}

/** Vector-Jacobian product of softmax written from the Jacobian diag(y) - y y^T. */
export function softmaxBackwardRef(y: Ref, g: Ref, axis: number): Ref {
  return laneMap([y, g], axis, ([yv, gv]) => yv!.map((yi, i) => gv!.reduce((s, gj, j) => s + gj * ((i === j ? yi : 0) - yi * yv![j]!), 0)));
}

/** VJP of log-softmax from its Jacobian I - 1 softmax^T, with softmax = exp(y). */
export function logSoftmaxBackwardRef(y: Ref, g: Ref, axis: number): Ref {
  return laneMap([y, g], axis, ([yv, gv]) => yv!.map((yi, i) => gv!.reduce((s, gj, j) => s + gj * ((i === j ? 1 : 0) - Math.exp(yi)), 0)));
}

export function bandRef(x: Ref, upper: boolean, k: number, fill: number): Ref {
  const r = x.shape.length;
  return {
    shape: [...x.shape],
    data: Float64Array.from(x.data, (v, flat) => {
      const j = flat % x.shape[r - 1]!;
      const i = Math.floor(flat / x.shape[r - 1]!) % x.shape[r - 2]!;
      return (upper ? j - i >= k : j - i <= k) ? v : fill;
    }),
  };
}

export interface ConvRefAttrs {
  readonly pads: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/** Visits every (output element, weight element) pair of a stride-1 convolution that reads inside x. */
function convPairs(xShape: readonly number[], wShape: readonly number[], a: ConvRefAttrs,
  visit: (xFlat: number, wFlat: number, yFlat: number) => void): number[] {
  const [n, cin, h, w] = xShape as [number, number, number, number];
  const [cout, cg, kh, kw] = wShape as [number, number, number, number];
  const oh = h + a.pads[0] + a.pads[1] - a.dilation[0] * (kh - 1);
  const ow = w + a.pads[2] + a.pads[3] - a.dilation[1] * (kw - 1);
  const coutPerGroup = cout / a.groups;
  for (let b = 0; b < n; b++) for (let oc = 0; oc < cout; oc++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
    const yFlat = ((b * cout + oc) * oh + y) * ow + x;
    for (let c = 0; c < cg; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const iy = y - a.pads[0] + i * a.dilation[0], ix = x - a.pads[2] + j * a.dilation[1];
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const ic = Math.floor(oc / coutPerGroup) * cg + c;
      visit(((b * cin + ic) * h + iy) * w + ix, ((oc * cg + c) * kh + i) * kw + j, yFlat);
    }
  }
  return [n, cout, oh, ow];
}

export function conv2dRef(x: Ref, w: Ref, bias: Ref | null, a: ConvRefAttrs): Ref {
  const shape = convPairs(x.shape, w.shape, a, () => undefined);
  const out = new Float64Array(sizeOfShape(shape));
  if (bias) forEachIndex(shape, (index, flat) => { out[flat] = bias.data[index[1]!]!; });
  convPairs(x.shape, w.shape, a, (xi, wi, yi) => { out[yi] = out[yi]! + x.data[xi]! * w.data[wi]!; });
  return { shape, data: out };
}

export function conv2dInputGradRef(g: Ref, w: Ref, inputShape: readonly number[], a: ConvRefAttrs): Ref {
  const out = new Float64Array(sizeOfShape(inputShape));
  convPairs(inputShape, w.shape, a, (xi, wi, yi) => { out[xi] = out[xi]! + g.data[yi]! * w.data[wi]!; });
  return { shape: [...inputShape], data: out };
}

export function conv2dFilterGradRef(x: Ref, g: Ref, weightShape: readonly number[], a: ConvRefAttrs): Ref {
  const out = new Float64Array(sizeOfShape(weightShape));
  convPairs(x.shape, weightShape, a, (xi, wi, yi) => { out[wi] = out[wi]! + g.data[yi]! * x.data[xi]!; });
  return { shape: [...weightShape], data: out };
}

export function indexSelectRef(x: Ref, indices: readonly number[], indexShape: readonly number[], axis: number): Ref {
  const shape = [...x.shape.slice(0, axis), ...indexShape, ...x.shape.slice(axis + 1)];
  const out = new Float64Array(sizeOfShape(shape));
  forEachIndex(shape, (index, flat) => {
    const position = flatIndex(indexShape, index.slice(axis, axis + indexShape.length));
    const source = [...index.slice(0, axis), indices[position]!, ...index.slice(axis + indexShape.length)];
    out[flat] = x.data[flatIndex(x.shape, source)]!;
  });
  return { shape, data: out };
}

export function indexAddRef(g: Ref, indices: readonly number[], indexShape: readonly number[], axis: number, inputShape: readonly number[]): Ref {
  const out = new Float64Array(sizeOfShape(inputShape));
  forEachIndex(g.shape, (index, flat) => {
    const position = flatIndex(indexShape, index.slice(axis, axis + indexShape.length));
    const target = [...index.slice(0, axis), indices[position]!, ...index.slice(axis + indexShape.length)];
    const t = flatIndex(inputShape, target);
    out[t] = out[t]! + g.data[flat]!;
  });
  return { shape: [...inputShape], data: out };
}

/** pads: [before, after] per axis. */
export function padRef(x: Ref, pads: readonly number[], value: number): Ref {
  const shape = x.shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!);
  const out = new Float64Array(sizeOfShape(shape)).fill(value);
  forEachIndex(x.shape, (index, flat) => { out[flatIndex(shape, index.map((v, i) => v + pads[2 * i]!))] = x.data[flat]!; });
  return { shape, data: out };
}

export function concatRef(xs: readonly Ref[], axis: number): Ref {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
  const out = new Float64Array(sizeOfShape(shape));
  let start = 0;
  for (const x of xs) {
    forEachIndex(x.shape, (index, flat) => { out[flatIndex(shape, index.map((v, i) => (i === axis ? v + start : v)))] = x.data[flat]!; });
    start += x.shape[axis]!;
  }
  return { shape, data: out };
}

export function permuteRef(x: Ref, axes: readonly number[]): Ref {
  const shape = axes.map((a) => x.shape[a]!);
  const out = new Float64Array(sizeOfShape(shape));
  forEachIndex(shape, (index, flat) => {
    const source = new Array<number>(axes.length);
    axes.forEach((a, i) => { source[a] = index[i]!; });
    out[flat] = x.data[flatIndex(x.shape, source)]!;
  });
  return { shape, data: out };
}

export function sliceRef(x: Ref, starts: readonly number[], ends: readonly number[]): Ref {
  const shape = starts.map((s, i) => ends[i]! - s);
  const out = new Float64Array(sizeOfShape(shape));
  forEachIndex(shape, (index, flat) => { out[flat] = x.data[flatIndex(x.shape, index.map((v, i) => v + starts[i]!))]!; });
  return { shape, data: out };
}

export function expandRef(x: Ref, shape: readonly number[]): Ref {
  return mapRef(shape, [x], (v) => v);
}

// ---- half precision, by search over every representable value ----

function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return exponent === 0 ? sign * mantissa * 2 ** -24 : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let positiveHalves: Float64Array | undefined;

/** The float16 bit pattern nearest to x (ties to even mantissa; overflow past 65520 to infinity). */
export function nearestFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const v = Math.abs(x);
  if (v >= 65520) return sign | 0x7c00;
  positiveHalves ??= Float64Array.from({ length: 0x7c00 }, (_, b) => float16Value(b));
  let best = 0;
  for (let b = 1; b < 0x7c00; b++) {
    const d = Math.abs(positiveHalves[b]! - v), e = Math.abs(positiveHalves[best]! - v);
    if (d < e || (d === e && (b & 1) === 0)) best = b;
  }
  return sign | best;
}

export function float16ValueRef(bits: number): number {
  return float16Value(bits);
}

/** The bfloat16 bit pattern nearest to a float32-representable x (ties to even). */
export function nearestBfloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  const f = new Float32Array([x]);
  const hi = new Uint32Array(f.buffer)[0]! >>> 16;
  const down = hi, up = (hi + 1) & 0xffff;
  const value = (bits: number): number => new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
  const dDown = Math.abs(value(down) - x), dUp = Math.abs(value(up) - x);
  return dUp < dDown || (dUp === dDown && (up & 1) === 0) ? up : down;
}

export function bfloat16ValueRef(bits: number): number {
  return new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
}
