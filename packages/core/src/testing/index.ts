export * from './gradcheck.js';
export * from './op-suite.js';
