import { InputError } from '../../errors';
import { Frame, FrameColumn, isNumericColumn } from '../../frame/frame';
import { takeColumn } from '../../frame/ops';
import type { FillMethod } from '../spec';
import { labelAt } from '../target';

/** Column added by resampling: 1 where the step had no reading and was filled. */
export const WAS_GAP_COLUMN = '__was_gap';

/** Settings of {@link resampleSeries}. */
export interface ResampleOptions {
  timeColumn: string;
  targetColumn: string;
  frequencySeconds: number;
  groupColumn: string | null;
  fill: FillMethod;
  /** The value `mean` fills with (the train mean of the target); also used when a series has no reading at all. */
  fillMean: number;
}

/** A series frame on a regular grid, one contiguous block of rows per group. */
export interface ResampledSeries {
  frame: Frame;
  groupKeys: string[];
  /** Row where each group starts; the last entry is the row count. */
  groupStarts: Int32Array;
}

const MAX_STEPS = 50_000_000;

function groupOrder(frame: Frame, opts: ResampleOptions, time: Float64Array) {
  const n = frame.rowCount;
  const gcol = opts.groupColumn ? frame.columns[opts.groupColumn] : undefined;
  const codes = new Int32Array(n);
  const keys: string[] = [];
  if (gcol) {
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const isNull = gcol.nulls?.[i] === 1 || (isNumericColumn(gcol) && gcol.values[i] !== gcol.values[i]);
      const key = isNull ? '__null__' : labelAt(gcol, i);
      let c = index.get(key);
      if (c === undefined) {
        c = keys.length;
        index.set(key, c);
        keys.push(key);
      }
      codes[i] = c;
    }
  } else if (n > 0) keys.push('');
  const starts = new Int32Array(keys.length + 1);
  for (let i = 0; i < n; i++) if (time[i] === time[i]) starts[codes[i] + 1]++;
  for (let g = 0; g < keys.length; g++) starts[g + 1] += starts[g];
  const order = new Int32Array(starts[keys.length]);
  const fill = starts.slice(0, keys.length);
  for (let i = 0; i < n; i++) if (time[i] === time[i]) order[fill[codes[i]]++] = i;
  for (let g = 0; g < keys.length; g++) {
    let sorted = true;
    for (let k = starts[g] + 1; k < starts[g + 1]; k++) if (time[order[k]] < time[order[k - 1]]) sorted = false;
    if (!sorted) {
      const seg = Array.from(order.subarray(starts[g], starts[g + 1]));
      seg.sort((a, b) => time[a] - time[b] || a - b);
      order.set(seg, starts[g]);
    }
  }
  return { keys, starts, order };
}

/** Fills the NaN gaps of `v[s..e)` in place by `method` (edges of ffill / linear take the nearest reading). */
export function fillGaps(v: Float64Array, s: number, e: number, method: FillMethod, mean: number): void {
  if (method === 'zero' || method === 'mean') {
    const c = method === 'zero' ? 0 : mean;
    for (let i = s; i < e; i++) if (v[i] !== v[i]) v[i] = c;
    return;
  }
  let prev = -1;
  for (let i = s; i < e; i++) {
    if (v[i] !== v[i]) continue;
    if (prev < 0) for (let k = s; k < i; k++) v[k] = v[i];
    else if (i - prev > 1) {
      for (let k = prev + 1; k < i; k++) {
        v[k] = method === 'ffill' ? v[prev] : v[prev] + ((v[i] - v[prev]) * (k - prev)) / (i - prev);
      }
    }
    prev = i;
  }
  if (prev < 0) for (let k = s; k < e; k++) v[k] = mean;
  else for (let k = prev + 1; k < e; k++) v[k] = v[prev];
}

/**
 * Resamples each group's series onto the grid `floor(t / frequency) · frequency`: the
 * target is the mean of the readings in a step, other columns take the step's last row,
 * steps without a reading are filled by `fill` and flagged in {@link WAS_GAP_COLUMN}.
 * Rows with a null time are dropped. Groups keep their order of first appearance.
 * @throws InputError when a column is missing or the grid would be unreasonably large.
 */
export function resampleSeries(frame: Frame, opts: ResampleOptions): ResampledSeries {
  for (const c of [opts.timeColumn, opts.targetColumn, ...(opts.groupColumn ? [opts.groupColumn] : [])]) {
    if (!frame.columns[c]) throw new InputError(`missing column ${c}`, c);
  }
  const tcol = frame.columns[opts.timeColumn];
  const ycol = frame.columns[opts.targetColumn];
  if (!isNumericColumn(tcol) || !isNumericColumn(ycol)) throw new InputError('time and target columns must be numeric');
  const time = tcol.values.slice();
  if (tcol.nulls) for (let i = 0; i < time.length; i++) if (tcol.nulls[i]) time[i] = NaN;
  const { keys, starts, order } = groupOrder(frame, opts, time);
  const freq = opts.frequencySeconds * 1e6;
  const outStarts = new Int32Array(keys.length + 1);
  for (let g = 0; g < keys.length; g++) {
    const steps = starts[g + 1] > starts[g]
      ? Math.floor(time[order[starts[g + 1] - 1]] / freq) - Math.floor(time[order[starts[g]]] / freq) + 1
      : 0;
    outStarts[g + 1] = outStarts[g] + steps;
    if (outStarts[g + 1] > MAX_STEPS) throw new InputError(`resampling gives more than ${MAX_STEPS} steps`, opts.timeColumn);
  }
  const total = outStarts[keys.length];
  const outTime = new Float64Array(total);
  const value = new Float64Array(total).fill(NaN);
  const count = new Int32Array(total);
  const lastRow = new Int32Array(total).fill(-1);
  const firstRow = new Int32Array(total);
  const y = ycol.values;
  const ynull = ycol.nulls;
  for (let g = 0; g < keys.length; g++) {
    if (starts[g + 1] === starts[g]) continue;
    const b0 = Math.floor(time[order[starts[g]]] / freq);
    for (let k = outStarts[g]; k < outStarts[g + 1]; k++) {
      outTime[k] = (b0 + k - outStarts[g]) * freq;
      firstRow[k] = order[starts[g]];
    }
    for (let k = starts[g]; k < starts[g + 1]; k++) {
      const r = order[k];
      const step = outStarts[g] + Math.floor(time[r] / freq) - b0;
      lastRow[step] = r;
      const v = y[r];
      if (v !== v || (ynull !== undefined && ynull[r] === 1)) continue;
      value[step] = count[step] === 0 ? v : value[step] + v;
      count[step]++;
    }
  }
  const wasGap = new Float64Array(total);
  for (let k = 0; k < total; k++) {
    if (count[k] > 0) value[k] /= count[k];
    else wasGap[k] = 1;
  }
  for (let g = 0; g < keys.length; g++) fillGaps(value, outStarts[g], outStarts[g + 1], opts.fill, opts.fillMean);
  const columns: Record<string, FrameColumn> = {};
  for (const [name, col] of Object.entries(frame.columns)) {
    if (name === opts.timeColumn || name === opts.targetColumn) continue;
    columns[name] = takeColumn(col, name === opts.groupColumn ? firstRow : lastRow);
  }
  columns[opts.timeColumn] = { type: 'timestamp', values: outTime };
  columns[opts.targetColumn] = { type: ycol.type, values: value };
  columns[WAS_GAP_COLUMN] = { type: 'boolean', values: wasGap };
  return { frame: { rowCount: total, columns }, groupKeys: keys, groupStarts: outStarts };
}
