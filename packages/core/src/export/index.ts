export * from './lowering';
export * from './exporter';
