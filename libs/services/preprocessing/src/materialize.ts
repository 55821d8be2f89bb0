import type { ArtifactStore } from '@cityml/db';
import {
  applyTransform,
  fitTransform,
  isNumericColumn,
  serializeTransform,
  sliceRows,
  SpecError,
  splitAssignment,
  takeColumn,
  takeRows,
  type SplitSpec,
  type AppliedFeatures,
  type Frame,
  type FittedTransform,
  type FeatureSpec,
} from '@cityml/ml';
import type { common } from '@cityml/proto';
import { CancelledError } from '@cityml/runtime';
import type { FeatureSetResult, SplitResult } from './result';
import { FrameBuilder } from './rows';
import { float32Bytes, putTensor, TENSOR_MEDIA_TYPE, TRANSFORM_MEDIA_TYPE } from './tensors';

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

/**
 * libs/ml's `splitFrame`, one column at a time with the event loop given back in between
 * (same assignment, same row order, same empty-split error).
 */
async function splitInSteps(frame: Frame, split: SplitSpec): Promise<{ train: Frame; validation: Frame; test: Frame }> {
  const assign = splitAssignment(frame, split);
  const counts = [0, 0, 0];
  for (let i = 0; i < assign.length; i++) if (assign[i] < 3) counts[assign[i]]++;
  const idx = counts.map((c) => new Int32Array(c));
  const fill = [0, 0, 0];
  for (let i = 0; i < assign.length; i++) if (assign[i] < 3) idx[assign[i]][fill[assign[i]]++] = i;
  const names = ['train', 'validation', 'test'] as const;
  const out: Frame[] = [];
  for (const [k, name] of names.entries()) {
    if (counts[k] === 0) throw new SpecError('split', `the ${name} split is empty`);
    const columns: Frame['columns'] = {};
    for (const [col, c] of Object.entries(frame.columns)) {
      await tick();
      columns[col] = takeColumn(c, idx[k]);
    }
    out.push({ rowCount: counts[k], columns });
  }
  await tick();
  return { train: out[0], validation: out[1], test: out[2] };
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

/** What applying one split leaves besides its x tensor (small: kept in memory). */
interface SplitRest {
  y: Float32Array[];
  persistence: Float32Array[];
  seasonalNaive: Float32Array[];
  rows: number;
  exampleShape: number[];
}

/**
 * Applies the transform to a split chunk by chunk, yielding each chunk's x bytes as soon as
 * it is computed, so the artifact store writes chunk k while chunk k + 1 is computed.
 */
async function* applyChunks(fitted: FittedTransform, frame: Frame, rest: SplitRest, progress: (done: number) => void, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  let done = 0;
  for (const chunk of chunks(fitted, frame)) {
    checkAborted(signal);
    const a: AppliedFeatures = applyTransform(fitted, chunk, { mode: 'train' });
    if (a.y) rest.y.push(a.y);
    if (a.baselines) {
      rest.persistence.push(a.baselines.persistence);
      if (a.baselines.seasonalNaive) rest.seasonalNaive.push(a.baselines.seasonalNaive);
    }
    rest.rows += a.shape[0];
    rest.exampleShape = a.shape.slice(1);
    done += chunk.rowCount;
    progress(done);
    yield float32Bytes(a.x);
    await tick();
  }
}

function emptySplitError(name: string, fitted: FittedTransform): SpecError {
  const fc = fitted.forecast;
  if (fc) {
    return new SpecError('forecast.horizon', `the ${name} split has no series of lookback ${fc.lookback} + horizon ${fc.horizon} steps`);
  }
  return new SpecError('split', `the ${name} split has no rows with a target`);
}

/**
 * Runs `source` up to `depth` items ahead of its consumer, so the next chunk is computed
 * while the artifact store is still writing the previous one.
 */
async function* ahead<T>(source: AsyncIterable<T>, depth: number): AsyncIterable<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  const pull = () => {
    const p = it.next();
    p.catch(() => undefined); // rethrown when awaited below
    queue.push(p);
  };
  for (let i = 0; i < depth; i++) pull();
  try {
    for (;;) {
      const r = await (queue.shift() as Promise<IteratorResult<T>>);
      if (r.done) return;
      pull();
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

async function materializeSplit(input: MaterializeInput, fitted: FittedTransform, name: string, frame: Frame, progress: (done: number) => void): Promise<SplitResult> {
  const { artifacts, tenant } = input;
  const rest: SplitRest = { y: [], persistence: [], seasonalNaive: [], rows: 0, exampleShape: fitted.inputShape };
  const x = await artifacts.put(tenant, ahead(applyChunks(fitted, frame, rest, progress, input.signal), 2), { mediaType: TENSOR_MEDIA_TYPE });
  if (rest.rows === 0) throw emptySplitError(name, fitted);
  const [y, persistence, seasonalNaive] = await Promise.all([
    putTensor(artifacts, tenant, rest.y),
    fitted.forecast ? putTensor(artifacts, tenant, rest.persistence) : undefined,
    fitted.forecast?.seasonality ? putTensor(artifacts, tenant, rest.seasonalNaive) : undefined,
  ]);
  return {
    x: x.id,
    xShape: [rest.rows, ...rest.exampleShape],
    y,
    yShape: [rest.rows, fitted.forecast ? fitted.outputSize : 1],
    rows: rest.rows,
    ...(persistence ? { persistence } : {}),
    ...(seasonalNaive ? { seasonalNaive } : {}),
  };
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
  const parts = await splitInSteps(frame, spec.split as NonNullable<FeatureSpec['split']>);
  const fitted = fitTransform(spec, parts.train);
  input.onProgress(0.5);
  await tick();
  // The three splits are applied and written concurrently: one split's database writes
  // overlap another's computation.
  const total = frame.rowCount || 1;
  const done = [0, 0, 0];
  const report = (k: number) => (n: number) => {
    done[k] = n;
    input.onProgress(0.5 + (0.5 * (done[0] + done[1] + done[2])) / total);
  };
  const [train, validation, test] = await Promise.all(
    (['train', 'validation', 'test'] as const).map((name, k) => materializeSplit(input, fitted, name, parts[name], report(k))),
  );
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
    train,
    validation,
    test,
  };
}
