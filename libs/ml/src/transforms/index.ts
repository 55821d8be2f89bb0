export * from './spec';
export {
  TRANSFORM_FORMAT_VERSION,
  serializeTransform,
  deserializeTransform,
  type FittedTransform,
  type FittedColumn,
  type FittedTarget,
  type FittedForecast,
  type FittedScalarStep,
  type FittedExpandStep,
} from './fitted';
export { validateFeatureSpec } from './validate';
export { fitTransform } from './fit';
export { applyTransform, resampleForForecast, type AppliedFeatures, type ApplyOptions } from './apply';
export { splitFrame, splitAssignment, type FrameSplits } from './splits';
export { buildFeatureSet, DEFAULT_SPLIT, type FeatureSet } from './feature-set';
export { targetToUnits, isClassTask } from './target';
export { tokenize } from './text';
export { usHolidays } from './holidays';
export { isValidTimeZone } from './time-zone';
export { OTHER_CATEGORY } from './categorical';
export { resampleSeries, fillGaps, WAS_GAP_COLUMN, type ResampleOptions, type ResampledSeries } from './forecast/resample';
export { buildWindows, forecastLookback, type ForecastWindows } from './forecast/windows';
export { canonicalJson, specHash } from './spec-hash';
