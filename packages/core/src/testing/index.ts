export * from './gradcheck';
export * from './op-suite';
