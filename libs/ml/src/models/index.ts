export * from './spec';
export { buildModel, compileModel, makeOptimizer, lossFor, metricFor } from './build';
export { SeededDropout, type SeededDropoutArgs } from './seeded-dropout';
export { trainModel, assertTrainable, type TrainOptions, type TrainResult, type EpochLog, type TensorData } from './fit';
export * from './checkpoint';
export * from './weights';
export * from './artifact';
