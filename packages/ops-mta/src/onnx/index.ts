export { lowerMta, toOnnxConvPads } from './lower-mta.js';
export { lowerSparsemax } from './sparsemax.js';
export { causalKeepMask } from './causal-mask.js';
