import { FormatError, InputError, SpecError, validateFeatureSpec } from '@cityml/ml';
import { InvalidArgumentError, FailedPreconditionError } from '@cityml/runtime';
import type { DatasetSchema, MappedSpec } from './spec-mapping';

/** libs/ml spec paths → protobuf paths (longest prefix first). */
const FIELDS: [RegExp, string | ((m: RegExpMatchArray) => string)][] = [
  [/^target\.steps\[\d+\]/, 'spec.scale_target'],
  [/^target(\.column)?/, 'spec.target'],
  [/^timeZone/, 'spec.time_zone'],
  [/^task/, 'spec.task'],
  [/^forecast\.timeColumn/, 'spec.forecast.time_column'],
  [/^forecast\.frequencySeconds/, 'spec.forecast.frequency_seconds'],
  [/^forecast\.groupColumn/, 'spec.forecast.group_column'],
  [/^forecast\.sequenceLength/, 'spec.forecast.sequence_length'],
  [/^forecast\.rolling\[(\d+)\]\.window/, (m) => `spec.forecast.windows[${m[1]}].size`],
  [/^forecast\.rolling\[(\d+)\]\.stats/, (m) => `spec.forecast.windows[${m[1]}].function`],
  [/^forecast\.rolling\[(\d+)\]/, (m) => `spec.forecast.windows[${m[1]}]`],
  [/^forecast\.(\w+(\[\d+\])?)/, (m) => `spec.forecast.${m[1]}`],
  [/^forecast/, 'spec.forecast'],
  [/^split\.seed/, 'spec.split.random.seed'],
  [/^split\.train/, 'spec.split.random.test_fraction'],
  [/^split\.validation$/, 'spec.split.random.validation_fraction'],
  [/^split\.column/, 'spec.split.time.column'],
  [/^split\.trainBefore/, 'spec.split.time.validation_start'],
  [/^split\.validationBefore/, 'spec.split.time.test_start'],
  [/^split/, 'spec.split'],
  [/^features\[(\d+)\]\.column/, (m) => `spec.features[${m[1]}].column`],
  [/^features\[(\d+)\]\.steps$/, (m) => `spec.features[${m[1]}].steps`],
  [/^features\[(\d+)\]/, (m) => `spec.features[${m[1]}]`],
  [/^features/, 'spec.features'],
];

/** The protobuf path of a libs/ml spec field (`features[1].steps[2]` → `spec.features[1].steps[1].calendar_flags`). */
export function protoField(field: string, mapped?: Pick<MappedSpec, 'stepPaths'>): string {
  const step = field.match(/^features\[(\d+)\]\.steps\[(\d+)\]/);
  if (step) {
    const path = mapped?.stepPaths[Number(step[1])]?.[Number(step[2])];
    if (path) return path;
  }
  for (const [re, to] of FIELDS) {
    const m = field.match(re);
    if (m) return typeof to === 'string' ? to : to(m);
  }
  return `spec.${field}`;
}

/** The reason part of a SpecError message (its text after `field: `). */
function reasonOf(err: SpecError): string {
  const prefix = `${err.field}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/**
 * Translates libs/ml errors into the service's errors: SpecError → INVALID_ARGUMENT naming
 * the protobuf field, InputError → INVALID_ARGUMENT naming the column, FormatError →
 * FAILED_PRECONDITION. Anything else is returned unchanged.
 */
export function translateMlError(err: unknown, mapped?: Pick<MappedSpec, 'stepPaths'>): unknown {
  if (err instanceof SpecError) return InvalidArgumentError.field(protoField(err.field, mapped), reasonOf(err));
  if (err instanceof InputError) {
    return new InvalidArgumentError(err.message, [{ reason: err.message, ...(err.column ? { column: err.column } : {}), ...(err.row !== undefined ? { row: err.row } : {}) }]);
  }
  if (err instanceof FormatError) return new FailedPreconditionError(err.message);
  return err;
}

/**
 * Runs libs/ml's own spec validation on a mapped spec (step order, parameters, forecast
 * settings), so every rule libs/ml enforces is checked before anything is stored.
 * @throws InvalidArgumentError naming the protobuf field.
 */
export function validateMappedSpec(mapped: MappedSpec, schema: DatasetSchema): void {
  try {
    validateFeatureSpec(mapped.ml, schema.types);
  } catch (err) {
    throw translateMlError(err, mapped);
  }
}
