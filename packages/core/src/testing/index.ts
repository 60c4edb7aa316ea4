export * from './gradcheck.js';
export * from './op-suite.js';
export * from './mulberry32.js';
