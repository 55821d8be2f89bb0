import type { ColumnType } from '@cityml/ml';
import type { preprocessing as pb } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import { columnTypeName } from './rows';

/** Protobuf names of the Step oneof, by generated field. */
const STEP_FIELDS: [keyof pb.Step, string][] = [
  ['impute', 'impute'],
  ['clip', 'clip'],
  ['standardize', 'standardize'],
  ['minMax', 'min_max'],
  ['log1p', 'log1p'],
  ['oneHot', 'one_hot'],
  ['hashBuckets', 'hash_buckets'],
  ['datetimeParts', 'datetime_parts'],
  ['calendarFlags', 'calendar_flags'],
  ['text', 'text'],
];

/** Which steps fit which column type (the contract the proto documents). */
const FITS: Record<string, ColumnType[]> = {
  impute: ['number', 'integer', 'boolean', 'timestamp', 'category', 'text'],
  clip: ['number', 'integer', 'boolean'],
  standardize: ['number', 'integer', 'boolean', 'timestamp'],
  min_max: ['number', 'integer', 'boolean', 'timestamp'],
  log1p: ['number', 'integer', 'boolean'],
  one_hot: ['integer', 'boolean', 'category'],
  hash_buckets: ['integer', 'boolean', 'category'],
  datetime_parts: ['timestamp'],
  calendar_flags: ['timestamp'],
  text: ['text'],
};

/** The protobuf name of the step that is set (`one_hot`), or undefined when none is. */
export function stepName(step: pb.Step): string | undefined {
  return STEP_FIELDS.find(([k]) => step[k] !== undefined)?.[1];
}

/**
 * @throws InvalidArgumentError at `path` when step `name` does not fit a column of `type`,
 * e.g. `spec.features[2].steps[0].one_hot: column "speed" is NUMBER; one_hot fits INTEGER, BOOLEAN, CATEGORY`.
 */
export function checkStepFits(name: string, type: ColumnType, path: string, column: string): void {
  const fits = FITS[name];
  if (fits.includes(type)) return;
  throw InvalidArgumentError.field(path, `column "${column}" is ${columnTypeName(type)}; ${name} fits ${fits.map(columnTypeName).join(', ')}`);
}
