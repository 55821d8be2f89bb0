import { SpecError } from '../errors';
import { Frame, frameColumnTypes } from '../frame/frame';
import { applyTransform, AppliedFeatures } from './apply';
import { fitTransform } from './fit';
import type { FittedTransform } from './fitted';
import type { FeatureSpec, SplitSpec } from './spec';
import { splitFrame } from './splits';
import { validateFeatureSpec } from './validate';

/** A materialized feature set: the fitted transform and the three splits' tensors. */
export interface FeatureSet {
  fitted: FittedTransform;
  train: AppliedFeatures;
  validation: AppliedFeatures;
  test: AppliedFeatures;
}

/** The split used when a tabular spec has none: random 80 / 10 / 10 with seed 0. */
export const DEFAULT_SPLIT: SplitSpec = { kind: 'random', seed: 0, train: 0.8, validation: 0.1 };

/**
 * The whole preprocessing job on an in-memory frame: validate, split, fit on the train
 * split only, and materialize train, validation and test. Forecast splits are resampled
 * separately, so gap filling and windows never reach across a split boundary.
 * @throws SpecError (INVALID_ARGUMENT) naming the field: a bad spec, an empty split, or a
 * forecast horizon + lookback longer than a split's series (`forecast.horizon`).
 */
export function buildFeatureSet(spec: FeatureSpec, frame: Frame): FeatureSet {
  validateFeatureSpec(spec, frameColumnTypes(frame));
  if (spec.task === 'forecast' && !spec.split) throw new SpecError('split', 'a forecast needs a time split');
  const parts = splitFrame(frame, spec.split ?? DEFAULT_SPLIT);
  const fitted = fitTransform(spec, parts.train);
  const out = {
    fitted,
    train: applyTransform(fitted, parts.train),
    validation: applyTransform(fitted, parts.validation),
    test: applyTransform(fitted, parts.test),
  };
  for (const name of ['train', 'validation', 'test'] as const) {
    if (out[name].shape[0] > 0) continue;
    if (spec.task === 'forecast') {
      const fc = fitted.forecast;
      throw new SpecError(
        'forecast.horizon',
        `the ${name} split has no series of lookback ${fc?.lookback} + horizon ${fc?.horizon} steps`,
      );
    }
    throw new SpecError('split', `the ${name} split has no rows with a target`);
  }
  return out;
}
