/**
 * @cityml/ml: everything TF.js. Frames, declarative fitted transforms (one code path for
 * training and serving), model builders and training, metrics and baselines, prediction,
 * and the TF.js backend choice. No protobuf here: services map their messages to these types.
 */
export * from './errors';
export * from './random';
export * from './backend';
export * from './frame/frame';
export * from './frame/from-rows';
export * from './frame/ops';
export * from './transforms';
export * from './models';
export * from './metrics';
export * from './predict';
export * from './bundle';
