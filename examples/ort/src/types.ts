/** A float32 tensor as plain data: what the ORT runners take and give back. */
export interface OrtTensorData {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export type OrtFeeds = Readonly<Record<string, OrtTensorData>>;

export type OrtBackendName = 'ort-node' | 'ort-web' | 'ort-web-browser' | 'ort-webgpu';

export interface OrtTimings {
  /** InferenceSession.create, including the wasm start-up for the first ort-web session. */
  readonly sessionCreateMs: number;
  /** One entry per run; the first includes one-time kernel preparation. */
  readonly runMs: readonly number[];
}

export interface OrtRunResult {
  readonly backend: OrtBackendName;
  readonly outputs: Record<string, OrtTensorData>;
  readonly timings: OrtTimings;
}

export interface OrtRunOptions {
  /** How many times to run the session (outputs come from the last run). Default 1. */
  readonly runs?: number;
}

/** Loading or initialising a backend failed; `backend` says which one, the message says why. */
export class OrtBackendError extends Error {
  constructor(
    readonly backend: OrtBackendName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${backend}: ${message}`, options);
    this.name = 'OrtBackendError';
  }
}

/** The message with its causes, since loaders wrap the reason that matters (a missing .so, a bad path). */
export function errorMessage(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(' (caused by: ') + ')'.repeat(parts.length - 1);
}

export function checkFeeds(backend: OrtBackendName, feeds: OrtFeeds): void {
  for (const [name, tensor] of Object.entries(feeds)) {
    if (!(tensor.data instanceof Float32Array)) {
      throw new TypeError(`${backend}: feed '${name}' must hold a Float32Array, got ${Object.prototype.toString.call(tensor.data)}.`);
    }
    const size = tensor.dims.reduce((a, b) => a * b, 1);
    if (size !== tensor.data.length) {
      throw new RangeError(
        `${backend}: feed '${name}' has dims [${tensor.dims.join(', ')}] (${size} elements) but ${tensor.data.length} values.`,
      );
    }
  }
}

export function checkRuns(runs: number | undefined): number {
  const n = runs ?? 1;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`OrtRunOptions.runs must be a positive integer, got ${runs}.`);
  return n;
}
