import { applyTransform, fitTransform, type Frame } from '@cityml/ml';
import type { preprocessing as pb } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import type { Datasets } from './datasets';
import { batchColumnTypes, FrameBuilder, frameFromBatch } from './rows';
import { mapFeatureSpec, type DatasetSchema, type MappedSpec } from './spec-mapping';
import { translateMlError, validateMappedSpec } from './spec-validation';

/** Default and maximum rows a preview reads from a dataset. */
export const PREVIEW_DEFAULT_ROWS = 20;
export const PREVIEW_MAX_ROWS = 10_000;
const MAX_VALUES = 2_000_000;

async function previewFrame(tenant: string, req: pb.PreviewTransformRequest, datasets: Datasets): Promise<{ frame: Frame; schema: DatasetSchema }> {
  if (req.limit > PREVIEW_MAX_ROWS) throw InvalidArgumentError.field('limit', `at most ${PREVIEW_MAX_ROWS} rows`);
  const ds = req.dataset ? await datasets.get(tenant, req.dataset, req.datasetVersion) : undefined;
  if (req.rows && req.rows.rowCount > 0) {
    if (req.rows.rowCount > PREVIEW_MAX_ROWS) throw InvalidArgumentError.field('rows', `at most ${PREVIEW_MAX_ROWS} rows`);
    const frame = frameFromBatch(req.rows);
    const schema: DatasetSchema = { ...ds?.schema, types: batchColumnTypes(req.rows) };
    return { frame, schema };
  }
  if (!ds) throw InvalidArgumentError.field('rows', 'give rows, or a dataset to read the first rows of');
  const limit = req.limit || PREVIEW_DEFAULT_ROWS;
  const controller = new AbortController();
  const builder = new FrameBuilder(limit);
  for await (const batch of datasets.read(tenant, ds.name, ds.version, [], controller.signal, Math.min(limit, 8192))) {
    builder.add(batch);
    if (builder.rowCount >= limit) {
      controller.abort();
      break;
    }
  }
  const frame = builder.build();
  return { frame: frame.rowCount > limit ? { rowCount: limit, columns: sliceColumns(frame, limit) } : frame, schema: ds.schema };
}

function sliceColumns(frame: Frame, n: number): Frame['columns'] {
  const out: Frame['columns'] = {};
  for (const [k, c] of Object.entries(frame.columns)) {
    out[k] = { ...c, values: c.values.slice(0, n), ...(c.nulls ? { nulls: c.nulls.slice(0, n) } : {}) } as Frame['columns'][string];
  }
  return out;
}

/**
 * Fits a spec on the given rows (or the first `limit` rows of a dataset version) and returns
 * the features, for trying a spec out. No split: the preview fits on all of its rows.
 * @throws InvalidArgumentError naming the field for a bad spec or bad rows; NotFoundError
 * for an unknown dataset.
 */
export async function previewTransform(tenant: string, req: pb.PreviewTransformRequest, datasets: Datasets): Promise<pb.PreviewTransformResponse> {
  const { frame, schema } = await previewFrame(tenant, req, datasets);
  let mapped: MappedSpec | undefined;
  try {
    mapped = mapFeatureSpec(req.spec, schema, { splitOptional: true });
    validateMappedSpec(mapped, schema);
    const fitted = fitTransform(mapped.ml, frame);
    const out = applyTransform(fitted, frame, { mode: 'train' });
    const fc = fitted.forecast;
    if (fc && out.shape[0] === 0) {
      throw InvalidArgumentError.field('spec.forecast.horizon', `horizon ${fc.horizon} + lookback ${fc.lookback} steps is longer than every series of the preview rows`);
    }
    if (out.x.length > MAX_VALUES) throw InvalidArgumentError.field('limit', `the preview has ${out.x.length} values; use fewer rows`);
    return {
      featureNames: out.featureNames,
      shape: out.shape,
      values: Array.from(out.x),
      targets: out.y ? Array.from(out.y) : [],
      targetShape: out.yShape ?? [],
      classLabels: fitted.target.kind === 'classes' ? fitted.target.classes : [],
    };
  } catch (err) {
    throw translateMlError(err, mapped);
  }
}
