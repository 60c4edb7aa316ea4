/**
 * Cross-check between backends at benchmark sizes: timings only compare equal work if the results
 * agree. Results can be 128 MiB per tensor and may live in another process, so each backend reports a
 * small fingerprint (the Frobenius norm and values at fixed positions) and fingerprints are compared.
 */
import type { HostResults } from './types';

const TENSORS = ['out', 'gradScores', 'gradWeight', 'gradBias'] as const;
type TensorName = (typeof TENSORS)[number];

export interface TensorFingerprint {
  readonly length: number;
  readonly norm: number;
  readonly samples: readonly number[];
}

export type Fingerprint = Partial<Record<TensorName, TensorFingerprint>>;

/** The same positions for every backend: they depend on the tensor length only. */
function samplePositions(length: number, count: number): number[] {
  if (length <= count) return Array.from({ length }, (_, i) => i);
  let state = (length * 2654435761) >>> 0;
  const positions: number[] = [];
  for (let k = 0; k < count; k++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    positions.push(state % length);
  }
  return positions;
}

export function fingerprint(results: HostResults, count = 512): Fingerprint {
  const print: Fingerprint = {};
  for (const name of TENSORS) {
    const data = results[name];
    if (data === undefined) continue;
    let sumSquares = 0;
    for (let i = 0; i < data.length; i++) sumSquares += (data[i] as number) ** 2;
    print[name] = { length: data.length, norm: Math.sqrt(sumSquares), samples: samplePositions(data.length, count).map((i) => data[i] as number) };
  }
  return print;
}

/**
 * The largest relative difference over the tensors both fingerprints hold: of the sampled values
 * (Euclidean, relative to the reference's) and of the norms. Infinity if a value is not finite or
 * the lengths differ; null if no tensor is in both.
 */
export function fingerprintDifference(got: Fingerprint, reference: Fingerprint): number | null {
  let worst: number | null = null;
  for (const name of TENSORS) {
    const a = got[name];
    const b = reference[name];
    if (a === undefined || b === undefined) continue;
    if (a.length !== b.length || !Number.isFinite(a.norm)) return Infinity;
    let diff = 0;
    let size = 0;
    for (let i = 0; i < b.samples.length; i++) {
      diff += ((a.samples[i] as number) - (b.samples[i] as number)) ** 2;
      size += (b.samples[i] as number) ** 2;
    }
    const sampled = size > 0 ? Math.sqrt(diff / size) : Math.sqrt(diff);
    const norms = b.norm > 0 ? Math.abs(a.norm - b.norm) / b.norm : a.norm;
    worst = Math.max(worst ?? 0, sampled, norms);
  }
  return worst;
}
