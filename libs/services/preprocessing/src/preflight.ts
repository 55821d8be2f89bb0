import { forecastLookback, fromEpochMicros, isNumericColumn, splitAssignment, type FeatureSpec, type Frame } from '@cityml/ml';
import { InvalidArgumentError } from '@cityml/runtime';

/**
 * Data checks run before a feature set is stored, so a spec that cannot produce examples
 * is INVALID_ARGUMENT at once instead of a FAILED feature set later: an empty split, and a
 * forecast horizon (plus the lookback the lags and windows need) longer than the series.
 */

const SPLITS = ['train', 'validation', 'test'] as const;

/** The columns {@link preflight} reads (none for a random split of a tabular task). */
export function preflightColumns(spec: FeatureSpec): string[] {
  const cols: string[] = [];
  if (spec.split?.kind === 'time') cols.push(spec.split.column);
  if (spec.forecast) cols.push(spec.forecast.timeColumn, ...(spec.forecast.groupColumn ? [spec.forecast.groupColumn] : []));
  return [...new Set(cols)];
}

function randomSplitCounts(spec: FeatureSpec, rows: number): void {
  const s = spec.split;
  if (s?.kind !== 'random') return;
  const nTrain = Math.round(rows * s.train);
  const nVal = Math.round(rows * s.validation);
  const counts = [nTrain, nVal, rows - nTrain - nVal];
  const fields = ['spec.split.random', 'spec.split.random.validation_fraction', 'spec.split.random.test_fraction'];
  counts.forEach((c, k) => {
    if (c <= 0) throw InvalidArgumentError.field(fields[k], `the ${SPLITS[k]} split of ${rows} rows would be empty`);
  });
}

function timeSplitCounts(spec: FeatureSpec, assign: Uint8Array): void {
  const s = spec.split;
  if (s?.kind !== 'time') return;
  const counts = [0, 0, 0];
  for (const a of assign) if (a < 3) counts[a]++;
  const t1 = fromEpochMicros(Number(s.trainBefore));
  const t2 = fromEpochMicros(Number(s.validationBefore));
  if (!counts[0]) throw InvalidArgumentError.field('spec.split.time.validation_start', `the train split is empty: no row of ${s.column} is before ${t1}`);
  if (!counts[1]) throw InvalidArgumentError.field('spec.split.time.test_start', `the validation split is empty: no row of ${s.column} is in [${t1}, ${t2})`);
  if (!counts[2]) throw InvalidArgumentError.field('spec.split.time.test_start', `the test split is empty: no row of ${s.column} is at or after ${t2}`);
}

/** Longest series (in grid steps) of each split, over all groups. */
function longestSeries(spec: FeatureSpec, frame: Frame, assign: Uint8Array): number[] {
  const fc = spec.forecast as NonNullable<FeatureSpec['forecast']>;
  const time = frame.columns[fc.timeColumn];
  const group = fc.groupColumn ? frame.columns[fc.groupColumn] : undefined;
  const freq = fc.frequencySeconds * 1e6;
  const ranges = new Map<string, [number, number]>();
  if (!isNumericColumn(time)) return [0, 0, 0];
  for (let i = 0; i < frame.rowCount; i++) {
    const t = time.values[i];
    if (assign[i] > 2 || t !== t || time.nulls?.[i] === 1) continue;
    const g = group ? (group.nulls?.[i] === 1 ? '\0null' : String(group.values[i])) : '';
    const key = `${assign[i]}\0${g}`;
    const step = Math.floor(t / freq);
    const r = ranges.get(key);
    if (!r) ranges.set(key, [step, step]);
    else if (step < r[0]) r[0] = step;
    else if (step > r[1]) r[1] = step;
  }
  const longest = [0, 0, 0];
  for (const [key, [a, b]] of ranges) {
    const k = Number(key.slice(0, key.indexOf('\0')));
    longest[k] = Math.max(longest[k], b - a + 1);
  }
  return longest;
}

/**
 * Checks that every split gets examples. `frame` holds the {@link preflightColumns} of the
 * whole version (empty for a random tabular split); `rows` is the version's row count.
 * @throws InvalidArgumentError naming `spec.split…` or `spec.forecast.horizon`.
 */
export function preflight(spec: FeatureSpec, frame: Frame, rows: number): void {
  if (rows === 0) throw InvalidArgumentError.field('dataset_version', 'the dataset version has no rows');
  if (spec.split?.kind === 'random') return randomSplitCounts(spec, rows);
  const assign = splitAssignment(frame, spec.split as NonNullable<FeatureSpec['split']>);
  timeSplitCounts(spec, assign);
  if (!spec.forecast) return;
  const lookback = forecastLookback(spec.forecast);
  const need = lookback + spec.forecast.horizon;
  longestSeries(spec, frame, assign).forEach((steps, k) => {
    if (steps < need) {
      throw InvalidArgumentError.field(
        'spec.forecast.horizon',
        `horizon ${spec.forecast?.horizon} + lookback ${lookback} steps is longer than every series of the ${SPLITS[k]} split (the longest has ${steps} steps)`,
      );
    }
  });
}
