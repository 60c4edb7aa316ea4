export { lowerMta, toOnnxConvPads } from './lower-mta';
export { lowerSparsemax } from './sparsemax';
export { causalKeepMask } from './causal-mask';
