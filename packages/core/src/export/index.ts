export * from './lowering.js';
export * from './exporter.js';
export { bandKeepMask } from './band-mask.js';
