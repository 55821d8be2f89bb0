import type { ArtifactStore } from '@cityml/db';
import {
  applyTransform,
  fitTransform,
  isNumericColumn,
  serializeTransform,
  sliceRows,
  SpecError,
  splitFrame,
  takeRows,
  type AppliedFeatures,
  type Frame,
  type FittedTransform,
  type FeatureSpec,
} from '@cityml/ml';
import type { common } from '@cityml/proto';
import { CancelledError } from '@cityml/runtime';
import type { FeatureSetResult, SplitResult } from './result';
import { FrameBuilder } from './rows';
import { putTensor, TRANSFORM_MEDIA_TYPE } from './tensors';

/** Rows per apply chunk: the event loop is given back between chunks. */
const CHUNK_ROWS = 65_536;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What one materialization needs. */
export interface MaterializeInput {
  tenant: string;
  spec: FeatureSpec;
  /** The dataset version's rows (the columns of {@link specColumns}). */
  rows: AsyncIterable<common.RowBatch>;
  /** Rows of the version, for progress (0 when unknown). */
  expectedRows: number;
  artifacts: ArtifactStore;
  /** Progress 0..1 (called often; the caller throttles). */
  onProgress(progress: number): void;
  signal?: AbortSignal;
}

/** The columns a spec reads: target, features, time, group and split columns. */
export function specColumns(spec: FeatureSpec): string[] {
  const cols = [spec.target.column, ...spec.features.map((f) => f.column)];
  if (spec.forecast) cols.push(spec.forecast.timeColumn, ...(spec.forecast.groupColumn ? [spec.forecast.groupColumn] : []));
  if (spec.split?.kind === 'time') cols.push(spec.split.column);
  return [...new Set(cols)];
}

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError('materialization stopped');
}

/** Reads every batch into one frame (progress 0 → `share`). */
async function readFrame(input: MaterializeInput, share: number): Promise<Frame> {
  const builder = new FrameBuilder(input.expectedRows);
  for await (const batch of input.rows) {
    checkAborted(input.signal);
    builder.add(batch);
    if (input.expectedRows) input.onProgress((share * Math.min(builder.rowCount, input.expectedRows)) / input.expectedRows);
  }
  checkAborted(input.signal);
  return builder.build();
}

/** Group key of row i, as libs/ml's resampling computes it. */
function groupKeys(frame: Frame, column: string | null | undefined): Int32Array[] {
  if (!column) return [Int32Array.from({ length: frame.rowCount }, (_, i) => i)];
  const col = frame.columns[column];
  const index = new Map<string, number[]>();
  for (let i = 0; i < frame.rowCount; i++) {
    let key: string;
    if (col.nulls?.[i] === 1 || (isNumericColumn(col) && col.values[i] !== col.values[i])) key = '__null__';
    else if (!isNumericColumn(col)) key = col.values[i];
    else key = col.type === 'boolean' ? (col.values[i] !== 0 ? 'true' : 'false') : String(col.values[i]);
    let rows = index.get(key);
    if (!rows) index.set(key, (rows = []));
    rows.push(i);
  }
  return [...index.values()].map((r) => Int32Array.from(r));
}

/** Row chunks of a split: plain slices for tabular data, whole groups (several per chunk) for forecasts. */
function* chunks(fitted: FittedTransform, frame: Frame): Iterable<Frame> {
  if (!fitted.forecast) {
    for (let s = 0; s < frame.rowCount; s += CHUNK_ROWS) yield sliceRows(frame, s, s + CHUNK_ROWS);
    if (frame.rowCount === 0) yield frame;
    return;
  }
  const groups = groupKeys(frame, fitted.forecast.groupColumn);
  if (groups.length === 1) return yield frame;
  let pending: Int32Array[] = [];
  let size = 0;
  const flush = () => {
    const idx = new Int32Array(size);
    let o = 0;
    for (const g of pending) idx.set(g, (o += g.length) - g.length);
    pending = [];
    size = 0;
    return takeRows(frame, idx);
  };
  for (const g of groups) {
    pending.push(g);
    size += g.length;
    if (size >= CHUNK_ROWS) yield flush();
  }
  if (size > 0 || groups.length === 0) yield flush();
}

/** The applied features of one split, kept as chunk pieces. */
interface SplitPieces {
  x: Float32Array[];
  y: Float32Array[];
  persistence: Float32Array[];
  seasonalNaive: Float32Array[];
  rows: number;
  exampleShape: number[];
}

async function applySplit(fitted: FittedTransform, frame: Frame, signal?: AbortSignal): Promise<SplitPieces> {
  const out: SplitPieces = { x: [], y: [], persistence: [], seasonalNaive: [], rows: 0, exampleShape: fitted.inputShape };
  for (const chunk of chunks(fitted, frame)) {
    checkAborted(signal);
    const a: AppliedFeatures = applyTransform(fitted, chunk, { mode: 'train' });
    out.x.push(a.x);
    if (a.y) out.y.push(a.y);
    if (a.baselines) {
      out.persistence.push(a.baselines.persistence);
      if (a.baselines.seasonalNaive) out.seasonalNaive.push(a.baselines.seasonalNaive);
    }
    out.rows += a.shape[0];
    out.exampleShape = a.shape.slice(1);
    await tick();
  }
  return out;
}

function emptySplitError(name: string, fitted: FittedTransform): SpecError {
  const fc = fitted.forecast;
  if (fc) {
    return new SpecError('forecast.horizon', `the ${name} split has no series of lookback ${fc.lookback} + horizon ${fc.horizon} steps`);
  }
  return new SpecError('split', `the ${name} split has no rows with a target`);
}

async function storeSplit(input: MaterializeInput, fitted: FittedTransform, p: SplitPieces): Promise<SplitResult> {
  const { artifacts, tenant } = input;
  const out: SplitResult = {
    x: await putTensor(artifacts, tenant, p.x),
    xShape: [p.rows, ...p.exampleShape],
    y: await putTensor(artifacts, tenant, p.y),
    yShape: [p.rows, fitted.forecast ? fitted.outputSize : 1],
    rows: p.rows,
  };
  if (fitted.forecast) {
    out.persistence = await putTensor(artifacts, tenant, p.persistence);
    if (fitted.forecast.seasonality) out.seasonalNaive = await putTensor(artifacts, tenant, p.seasonalNaive);
  }
  return out;
}

/**
 * Materializes a feature set: reads the version, splits it, fits the transform on the
 * train split only, applies it to each split chunk by chunk (windows stay inside their
 * split), and stores the tensors and the serialized transform in the artifact store.
 * @throws SpecError (a split without examples, a horizon longer than a split's series),
 * InputError (rows that do not fit), CancelledError when `signal` aborts.
 */
export async function materialize(input: MaterializeInput): Promise<FeatureSetResult> {
  const frame = await readFrame(input, 0.45);
  const spec = input.spec;
  const parts = splitFrame(frame, spec.split as NonNullable<FeatureSpec['split']>);
  await tick();
  const fitted = fitTransform(spec, parts.train);
  input.onProgress(0.5);
  await tick();
  const names = ['train', 'validation', 'test'] as const;
  const pieces: Partial<Record<(typeof names)[number], SplitPieces>> = {};
  for (const [k, name] of names.entries()) {
    const p = await applySplit(fitted, parts[name], input.signal);
    if (p.rows === 0) throw emptySplitError(name, fitted);
    pieces[name] = p;
    input.onProgress(0.5 + 0.1 * (k + 1));
  }
  const stored: Partial<Record<(typeof names)[number], SplitResult>> = {};
  for (const [k, name] of names.entries()) {
    checkAborted(input.signal);
    stored[name] = await storeSplit(input, fitted, pieces[name] as SplitPieces);
    input.onProgress(0.8 + 0.06 * (k + 1));
  }
  const transform = await input.artifacts.put(input.tenant, [Buffer.from(serializeTransform(fitted), 'utf8')], { mediaType: TRANSFORM_MEDIA_TYPE });
  input.onProgress(1);
  return {
    layout: fitted.forecast?.layout ?? 'flat',
    featureNames: fitted.featureNames,
    classLabels: fitted.target.kind === 'classes' ? fitted.target.classes : [],
    inputShape: fitted.inputShape,
    outputSize: fitted.outputSize,
    transform: transform.id,
    transformFormatVersion: fitted.formatVersion,
    sourceRows: frame.rowCount,
    train: stored.train as SplitResult,
    validation: stored.validation as SplitResult,
    test: stored.test as SplitResult,
  };
}
