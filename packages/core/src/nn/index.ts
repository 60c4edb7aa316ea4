export * from './module';
export * from './init';
export * from './linear';
export * from './embedding';
export * from './layer-norm';
export * from './dropout';
export * from './attention';
export * from './decoder';
