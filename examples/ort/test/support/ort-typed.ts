import * as ort from 'onnxruntime-node';
import type { Tensor } from '@mta/core';

/**
 * onnxruntime-node with typed feeds and outputs. The project's runners (@mta/ort) take and return
 * float32 only, which is all the MTA graphs need; the primitive round trips also feed int32 indices
 * and bool conditions and read back int32/bool results, so they go through onnxruntime-node directly.
 */
export type TypedElem = 'float32' | 'int32' | 'bool';

export interface TypedValue {
  readonly type: TypedElem;
  readonly data: Float32Array | Int32Array | Uint8Array;
  readonly dims: readonly number[];
}

/** A host copy of a tensor in the form ORT takes; other dtypes are refused with the dtype named. */
export function typedValueOf(t: Tensor): TypedValue {
  const data = t.toArray();
  if (t.dtype === 'float32' && data instanceof Float32Array) return { type: 'float32', data, dims: [...t.shape] };
  if (t.dtype === 'int32' && data instanceof Int32Array) return { type: 'int32', data, dims: [...t.shape] };
  if (t.dtype === 'bool' && data instanceof Uint8Array) return { type: 'bool', data, dims: [...t.shape] };
  throw new TypeError(`typedValueOf: ${t.describe()} has dtype ${t.dtype}; ORT feeds here are float32, int32 or bool`);
}

/** Creates a session on the CPU execution provider, runs it once, returns copies of all outputs in model order. */
export async function runOrtNodeTyped(model: Uint8Array, feeds: Readonly<Record<string, TypedValue>>): Promise<TypedValue[]> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, v] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(v.type, v.data, [...v.dims]);
    const results = await session.run(ortFeeds);
    return session.outputNames.map((name) => {
      const t = results[name];
      if (!t) throw new Error(`runOrtNodeTyped: the run returned no value for output '${name}'`);
      const dims = [...t.dims];
      if (t.type === 'float32' && t.data instanceof Float32Array) return { type: 'float32', data: t.data.slice(), dims };
      if (t.type === 'int32' && t.data instanceof Int32Array) return { type: 'int32', data: t.data.slice(), dims };
      if (t.type === 'bool' && t.data instanceof Uint8Array) return { type: 'bool', data: t.data.slice(), dims };
      throw new Error(`runOrtNodeTyped: output '${name}' has type ${t.type}; expected float32, int32 or bool`);
    });
  } finally {
    await session.release();
  }
}
