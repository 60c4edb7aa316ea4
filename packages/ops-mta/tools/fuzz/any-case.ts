/** One fuzz draw over the public API: mostly multiTokenAttention calls, some standalone sparsemax calls. */
import fc from 'fast-check';
import { checkCase, fuzzCase, type FuzzCase, type FuzzCounts } from './mta-fuzz.js';
import { checkSparsemaxCase, sparsemaxCase, type SparsemaxCase } from './sparsemax-fuzz.js';

export type AnyFuzzCase = { readonly kind: 'mta'; readonly c: FuzzCase } | { readonly kind: 'sparsemax'; readonly c: SparsemaxCase };

export const anyFuzzCase: fc.Arbitrary<AnyFuzzCase> = fc.oneof(
  { weight: 4, arbitrary: fuzzCase.map((c): AnyFuzzCase => ({ kind: 'mta', c })) },
  { weight: 1, arbitrary: sparsemaxCase.map((c): AnyFuzzCase => ({ kind: 'sparsemax', c })) },
);

export function checkAnyCase(x: AnyFuzzCase, counts?: FuzzCounts): void {
  if (x.kind === 'mta') checkCase(x.c, counts);
  else checkSparsemaxCase(x.c, counts);
}
