export * from './module';
export * from './init';
export * from './linear';
