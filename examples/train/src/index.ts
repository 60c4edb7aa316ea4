export * from './task';
export * from './model';
export * from './options';
export * from './checkpoint';
export * from './curves';
export * from './progress';
export * from './trainer';
export * from './args';
export * from './summary';
export * from './train-mlp';
// The safetensors codec moved to @mta/core (ops-mta's state dicts use it too); re-exported for callers of this package.
export { SafetensorsError, readSafetensors, writeSafetensors, type SafetensorsArray, type SafetensorsDType, type SafetensorsFile } from '@mta/core';
