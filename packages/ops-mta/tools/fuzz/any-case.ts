/** One fuzz draw over the public API: mostly multiTokenAttention calls, some sparsemax calls and layers. */
import fc from 'fast-check';
import { checkCase, fuzzCase, type FuzzCase, type FuzzCounts } from './mta-fuzz.js';
import { checkModuleCase, moduleCase, type ModuleCase } from './module-fuzz.js';
import { checkSparsemaxCase, sparsemaxCase, type SparsemaxCase } from './sparsemax-fuzz.js';

export type AnyFuzzCase =
  | { readonly kind: 'mta'; readonly c: FuzzCase }
  | { readonly kind: 'sparsemax'; readonly c: SparsemaxCase }
  | { readonly kind: 'module'; readonly c: ModuleCase };

export const anyFuzzCase: fc.Arbitrary<AnyFuzzCase> = fc.oneof(
  { weight: 4, arbitrary: fuzzCase.map((c): AnyFuzzCase => ({ kind: 'mta', c })) },
  { weight: 1, arbitrary: sparsemaxCase.map((c): AnyFuzzCase => ({ kind: 'sparsemax', c })) },
  { weight: 1, arbitrary: moduleCase.map((c): AnyFuzzCase => ({ kind: 'module', c })) },
);

export function checkAnyCase(x: AnyFuzzCase, counts?: FuzzCounts): void {
  if (x.kind === 'mta') checkCase(x.c, counts);
  else if (x.kind === 'sparsemax') checkSparsemaxCase(x.c, counts);
  else checkModuleCase(x.c, counts);
}
