import type { OrtBackendName, OrtFeeds, OrtRunResult, OrtTensorData } from './types';
import { OrtBackendError, checkFeeds, checkRuns, errorMessage } from './types';

/**
 * The part of the onnxruntime-common API both onnxruntime-node and onnxruntime-web expose that the
 * runners use. Typed here so one code path serves both packages (their typings are separate copies).
 */
interface OrtTensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}
interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}
/** The session options the runners pass (a subset of onnxruntime-common's). */
export interface OrtSessionOptions {
  readonly executionProviders: string[];
  readonly graphOptimizationLevel?: string;
  /** Profiling writes one JSON file per session (at release) that names each node's execution provider. */
  readonly enableProfiling?: boolean;
  readonly profileFilePrefix?: string;
}

export interface OrtModuleLike {
  readonly InferenceSession: {
    create(model: Uint8Array, options: OrtSessionOptions): Promise<OrtSessionLike>;
  };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
}

/**
 * Creates a session, runs it, copies the outputs out and releases it. Output tensors are always
 * allocated by ORT (no pre-bound outputs: onnxruntime issue #25786).
 */
export async function runWithOrtModule(
  backend: OrtBackendName,
  ort: OrtModuleLike,
  executionProvider: 'cpu' | 'wasm' | 'webgpu',
  modelBytes: Uint8Array,
  feeds: OrtFeeds,
  runs: number | undefined,
  extraOptions: Omit<OrtSessionOptions, 'executionProviders'> = {},
): Promise<OrtRunResult> {
  const runCount = checkRuns(runs);
  if (!(modelBytes instanceof Uint8Array) || modelBytes.byteLength === 0) {
    throw new TypeError(`${backend}: modelBytes must be a non-empty Uint8Array (an encoded ONNX ModelProto).`);
  }
  checkFeeds(backend, feeds);

  const t0 = performance.now();
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(modelBytes, { ...extraOptions, executionProviders: [executionProvider] });
  } catch (error) {
    throw new OrtBackendError(
      backend,
      `session creation failed (the model is invalid for ONNX Runtime or the backend cannot start): ${errorMessage(error)}`,
      { cause: error },
    );
  }
  const sessionCreateMs = performance.now() - t0;

  try {
    const expected = [...session.inputNames].sort();
    const given = Object.keys(feeds).sort();
    if (expected.join('\n') !== given.join('\n')) {
      throw new RangeError(
        `${backend}: the model's inputs are [${expected.join(', ')}] but the feeds are [${given.join(', ')}]; pass exactly the model's inputs.`,
      );
    }
    const ortFeeds: Record<string, OrtTensorLike> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);

    const runMs: number[] = [];
    let results: Record<string, OrtTensorLike> = {};
    for (let i = 0; i < runCount; i++) {
      const start = performance.now();
      try {
        results = await session.run(ortFeeds);
      } catch (error) {
        throw new OrtBackendError(backend, `run failed: ${errorMessage(error)}`, { cause: error });
      }
      runMs.push(performance.now() - start);
    }

    const outputs: Record<string, OrtTensorData> = {};
    for (const name of session.outputNames) {
      const tensor = results[name];
      if (!tensor) throw new OrtBackendError(backend, `the run returned no value for output '${name}'.`);
      if (tensor.type !== 'float32' || !(tensor.data instanceof Float32Array)) {
        throw new OrtBackendError(backend, `output '${name}' is ${tensor.type}; the runners return float32 outputs only.`);
      }
      // A copy: ORT may reuse or free its buffers after release.
      outputs[name] = { data: tensor.data.slice(), dims: [...tensor.dims] };
    }
    return { backend, outputs, timings: { sessionCreateMs, runMs } };
  } finally {
    await session.release();
  }
}
