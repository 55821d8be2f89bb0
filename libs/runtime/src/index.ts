export * from './config';
export * from './context';
export * from './errors';
export * from './handlers';
export * from './logger';
export * from './metrics';
export * from './server';
export * from './service-module';
