export * from './module.js';
export * from './init.js';
export * from './linear.js';
export * from './embedding.js';
export * from './layer-norm.js';
export * from './dropout.js';
export * from './attention.js';
export * from './decoder.js';
