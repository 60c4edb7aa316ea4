/**
 * A reusable ONNX Runtime session for the benchmark: created once, run many times. The runners in
 * @mta/ort create, run and release a session per call (right for conformance checks, wrong for
 * timing), so this file adds the long-lived variant on top of their module loaders: onnxruntime-web is
 * loaded by `loadOrtWeb`, which sets `env.wasm.numThreads = 1` before the first session.
 *
 * Outputs are always allocated by ORT: onnxruntime-web 1.30 can leave a caller-provided output buffer
 * unwritten (onnxruntime issue #25786).
 */
import os from 'node:os';
import type { RuntimeInfo } from '../types';
import { OrtBackendError, checkFeeds, errorMessage, loadOrtNode, loadOrtWeb, type OrtFeeds, type OrtModuleLike } from '@mta/ort';

export type BenchOrtBackend = 'ort-node' | 'ort-web' | 'ort-webgpu';

type OrtTensor = InstanceType<OrtModuleLike['Tensor']>;

/** The session surface used here; both packages' InferenceSession objects have it. */
interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** Session options beyond what the shared loader types name: both packages accept these. */
interface SessionOptions {
  readonly executionProviders: string[];
  readonly graphOptimizationLevel: 'all';
  readonly intraOpNumThreads?: number;
}

type CreateSession = (model: Uint8Array, options: SessionOptions) => Promise<OrtSessionLike>;

/** `env` fields read for describe(); present in onnxruntime-common 1.30, absent fields are reported as unknown. */
interface OrtEnvLike {
  readonly versions?: Readonly<Record<string, string | undefined>>;
  readonly wasm?: { readonly numThreads?: number; readonly simd?: boolean };
}

export interface ReusableOrtSession {
  readonly backend: BenchOrtBackend;
  /** One line: package version, execution provider, threads. */
  readonly description: string;
  /** The same as fields. */
  readonly info: RuntimeInfo;
  readonly sessionCreateMs: number;
  /** Runs the model on the feeds given at creation; resolves with ORT-allocated outputs. */
  run(): Promise<Record<string, OrtTensor>>;
  /** A copy of one float32 output of `run`'s result. */
  readOutput(results: Record<string, OrtTensor>, name: string): Float32Array;
  release(): Promise<void>;
}

function runtimeInfo(backend: BenchOrtBackend, env: OrtEnvLike | undefined, threads: number | undefined): RuntimeInfo {
  const version = env?.versions?.[backend === 'ort-node' ? 'node' : 'web'] ?? env?.versions?.['common'] ?? 'unknown version';
  if (backend === 'ort-node') {
    return { runtime: `onnxruntime-node ${version}, CPU execution provider (native)`, threads: threads ?? 1, simd: 'native (MLAS kernels for the CPU it finds: AVX2/AVX-512 here)' };
  }
  if (backend === 'ort-webgpu') {
    // The WebGPU EP is onnxruntime-node's (Dawn inside ONNX Runtime): it was labelled as the web package's wasm EP before.
    return { runtime: `onnxruntime-node ${env?.versions?.['node'] ?? version}, WebGPU execution provider (Dawn inside ONNX Runtime)`, threads: 1, simd: 'GPU (WGSL compute)' };
  }
  return {
    runtime: `onnxruntime-web ${version} under Node ${process.version}, wasm execution provider`,
    threads: env?.wasm?.numThreads ?? 1,
    simd: env?.wasm?.simd === false ? 'none (wasm without SIMD)' : 'wasm SIMD128',
  };
}

function describeRuntime(backend: BenchOrtBackend, env: OrtEnvLike | undefined, threads: number | undefined): string {
  const version = env?.versions?.[backend === 'ort-node' ? 'node' : 'web'] ?? env?.versions?.['common'] ?? 'unknown version';
  if (backend === 'ort-node') return `onnxruntime-node ${version}, CPU execution provider, ${threads} intra-op threads`;
  if (backend === 'ort-webgpu') return `onnxruntime-node ${env?.versions?.['node'] ?? version}, WebGPU execution provider (Dawn inside ONNX Runtime; host to host)`;
  return `onnxruntime-web ${version} under Node, wasm execution provider, ${env?.wasm?.numThreads ?? 'default'} thread(s)`;
}

const EXECUTION_PROVIDER: Readonly<Record<BenchOrtBackend, string>> = { 'ort-node': 'cpu', 'ort-web': 'wasm', 'ort-webgpu': 'webgpu' };

/** Creates the session once and the input tensors once; `run` is what a benchmark times. */
export async function createReusableOrtSession(backend: BenchOrtBackend, modelBytes: Uint8Array, feeds: OrtFeeds): Promise<ReusableOrtSession> {
  if (!(modelBytes instanceof Uint8Array) || modelBytes.byteLength === 0) {
    throw new TypeError(`${backend}: modelBytes must be a non-empty Uint8Array (an encoded ONNX ModelProto).`);
  }
  checkFeeds(backend, feeds);
  const ort = backend === 'ort-web' ? await loadOrtWeb() : await loadOrtNode();
  // Both cores for the native runtime (benchmarks.md measured it with 2 threads); ort-web stays at the loader's 1 thread.
  const threads = backend === 'ort-node' ? os.availableParallelism() : undefined;
  const options: SessionOptions = {
    executionProviders: [EXECUTION_PROVIDER[backend]],
    graphOptimizationLevel: 'all',
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  };
  const create = ort.InferenceSession.create.bind(ort.InferenceSession) as unknown as CreateSession;
  const t0 = performance.now();
  let session: OrtSessionLike;
  try {
    session = await create(modelBytes, options);
  } catch (error) {
    throw new OrtBackendError(backend, `session creation failed: ${errorMessage(error)}`, { cause: error });
  }
  const sessionCreateMs = performance.now() - t0;

  const expected = [...session.inputNames].sort();
  const given = Object.keys(feeds).sort();
  if (expected.join('\n') !== given.join('\n')) {
    await session.release();
    throw new RangeError(`${backend}: the model's inputs are [${expected.join(', ')}] but the feeds are [${given.join(', ')}]; pass exactly the model's inputs.`);
  }
  const ortFeeds: Record<string, OrtTensor> = {};
  for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);

  return {
    backend,
    description: describeRuntime(backend, (ort as unknown as { env?: OrtEnvLike }).env, threads),
    info: runtimeInfo(backend, (ort as unknown as { env?: OrtEnvLike }).env, threads),
    sessionCreateMs,
    async run() {
      try {
        return await session.run(ortFeeds);
      } catch (error) {
        throw new OrtBackendError(backend, `run failed: ${errorMessage(error)}`, { cause: error });
      }
    },
    readOutput(results, name) {
      const tensor = results[name];
      if (tensor === undefined) throw new OrtBackendError(backend, `the run returned no value for output '${name}' (outputs: ${Object.keys(results).join(', ')}).`);
      if (tensor.type !== 'float32' || !(tensor.data instanceof Float32Array)) {
        throw new OrtBackendError(backend, `output '${name}' is ${tensor.type}; expected float32.`);
      }
      return tensor.data.slice();
    },
    release: () => session.release(),
  };
}
