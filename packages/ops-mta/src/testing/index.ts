/** `@mta/ops-mta/testing`: independent float64 references for tests of MTA's kernels and lowerings. */
export { softmaxReference, sparsemaxReference } from './reference-activations.js';
