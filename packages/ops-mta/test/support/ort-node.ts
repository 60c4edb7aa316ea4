import * as ort from 'onnxruntime-node';

/** One ORT tensor as plain data. */
export interface OrtValue {
  readonly type: 'float32' | 'float16' | 'int32';
  /** float32 values, float16 bit patterns, or int32 values (token ids). */
  readonly data: Float32Array | Uint16Array | Int32Array;
  readonly dims: readonly number[];
}

/** Runs a model once in onnxruntime-node on its CPU provider and copies the outputs out. */
export async function runOnnx(model: Uint8Array, feeds: Record<string, OrtValue>): Promise<Record<string, OrtValue>> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    const inputs = Object.fromEntries(Object.entries(feeds).map(([name, v]) => [name, new ort.Tensor(v.type, v.data as never, v.dims)]));
    const results = await session.run(inputs);
    const out: Record<string, OrtValue> = {};
    for (const name of session.outputNames) {
      const t = results[name]!;
      if (t.type !== 'float32' && t.type !== 'float16') throw new Error(`output '${name}' is ${t.type}; expected float32 or float16`);
      // A copy: ORT may reuse its buffers after release. float16 comes back as bit patterns (Uint16Array).
      const data = t.type === 'float32' ? Float32Array.from(t.data as Float32Array) : new Uint16Array((t.data as Uint16Array).buffer.slice(0));
      out[name] = { type: t.type, data, dims: [...t.dims] };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** ||a - b||_F / ||b||_F (0 when both are zero). */
export function relFro(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`relFro: lengths ${actual.length} and ${expected.length} differ`);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i]! - expected[i]!) ** 2;
    ref += expected[i]! ** 2;
  }
  return ref === 0 ? Math.sqrt(diff) : Math.sqrt(diff / ref);
}
