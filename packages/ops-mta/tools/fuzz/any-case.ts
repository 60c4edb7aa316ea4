/** One fuzz draw over the public API: mostly multiTokenAttention calls, some sparsemax calls and layers. */
import fc from 'fast-check';
import { checkCase, fuzzCaseIn, HOST_SPACE, type FuzzCase, type FuzzCounts, type FuzzSpace, type Outcome } from './mta-fuzz.js';
import { checkModuleCase, moduleCaseOn, type ModuleCase } from './module-fuzz.js';
import { checkSparsemaxCase, sparsemaxCaseOn, type SparsemaxCase } from './sparsemax-fuzz.js';

export type AnyFuzzCase =
  | { readonly kind: 'mta'; readonly c: FuzzCase }
  | { readonly kind: 'sparsemax'; readonly c: SparsemaxCase }
  | { readonly kind: 'module'; readonly c: ModuleCase };

/** The draw over a space's devices (layers are built on the first of them: cpu in the host space). */
export const anyFuzzCaseIn = (space: FuzzSpace): fc.Arbitrary<AnyFuzzCase> => fc.oneof(
  { weight: 4, arbitrary: fuzzCaseIn(space).map((c): AnyFuzzCase => ({ kind: 'mta', c })) },
  { weight: 1, arbitrary: sparsemaxCaseOn(space.devices).map((c): AnyFuzzCase => ({ kind: 'sparsemax', c })) },
  { weight: 1, arbitrary: moduleCaseOn(space.devices.slice(0, 1)).map((c): AnyFuzzCase => ({ kind: 'module', c })) },
);

export const anyFuzzCase: fc.Arbitrary<AnyFuzzCase> = anyFuzzCaseIn(HOST_SPACE);

export function checkAnyCase(x: AnyFuzzCase, counts?: FuzzCounts): Promise<Outcome> {
  if (x.kind === 'mta') return checkCase(x.c, counts);
  if (x.kind === 'sparsemax') return checkSparsemaxCase(x.c, counts);
  return checkModuleCase(x.c, counts);
}
