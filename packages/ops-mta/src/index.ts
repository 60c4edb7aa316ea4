export * from './config';
export * from './options';
export * from './ops';
export * from './mta';
export * from './composite';
export { MultiTokenAttention as MultiTokenAttentionLayer, type MtaModuleOptions } from './module';
export * from './onnx/index';
