export * from './lowering.js';
export * from './exporter.js';
