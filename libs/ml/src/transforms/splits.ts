import { SpecError } from '../errors';
import { Frame, isNumericColumn, toEpochMicros } from '../frame/frame';
import { takeRows } from '../frame/ops';
import { mulberry32, permutation } from '../random';
import type { SplitSpec } from './spec';

/** The three parts of a split frame. */
export interface FrameSplits {
  train: Frame;
  validation: Frame;
  test: Frame;
}

/** Which split each row goes to: 0 train, 1 validation, 2 test, 255 dropped (null time). */
export function splitAssignment(frame: Frame, split: SplitSpec): Uint8Array {
  const n = frame.rowCount;
  const out = new Uint8Array(n);
  if (split.kind === 'random') {
    const perm = permutation(n, mulberry32(split.seed));
    const nTrain = Math.round(n * split.train);
    const nVal = Math.round(n * split.validation);
    for (let k = 0; k < n; k++) out[perm[k]] = k < nTrain ? 0 : k < nTrain + nVal ? 1 : 2;
    return out;
  }
  const col = frame.columns[split.column];
  if (!col || !isNumericColumn(col) || col.type !== 'timestamp') {
    throw new SpecError('split.column', `column ${split.column} is not a timestamp column`);
  }
  const t1 = toEpochMicros(split.trainBefore);
  const t2 = toEpochMicros(split.validationBefore);
  const t = col.values;
  for (let i = 0; i < n; i++) {
    const v = t[i];
    out[i] = v !== v || col.nulls?.[i] === 1 ? 255 : v < t1 ? 0 : v < t2 ? 1 : 2;
  }
  return out;
}

/**
 * Splits a frame into train / validation / test. Random splits shuffle with the seeded
 * PRNG (mulberry32) and keep each part in the original row order; time splits put rows
 * before `trainBefore` in train, before `validationBefore` in validation, the rest in test
 * (rows with a null time are dropped).
 * @throws SpecError naming `split` when a part would be empty.
 */
export function splitFrame(frame: Frame, split: SplitSpec): FrameSplits {
  const assign = splitAssignment(frame, split);
  const parts: number[][] = [[], [], []];
  for (let i = 0; i < assign.length; i++) if (assign[i] < 3) parts[assign[i]].push(i);
  const names = ['train', 'validation', 'test'] as const;
  parts.forEach((p, k) => {
    if (p.length === 0) throw new SpecError('split', `the ${names[k]} split is empty`);
  });
  return { train: takeRows(frame, parts[0]), validation: takeRows(frame, parts[1]), test: takeRows(frame, parts[2]) };
}
