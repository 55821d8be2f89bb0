import { createHash } from 'node:crypto';
import type { ArtifactStore } from '@cityml/db';
import type { Frame } from '@cityml/ml';
import { preprocessing as pb } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';
import type { Datasets } from './datasets';
import { materialize, specColumns } from './materialize';
import { preflight, preflightColumns } from './preflight';
import { toProto, type FeatureSetResult, type FeatureSetRow } from './result';
import { FrameBuilder } from './rows';
import { canonicalSpecBytes, mapFeatureSpec, type MappedSpec } from './spec-mapping';
import { translateMlError, validateMappedSpec } from './spec-validation';
import { pageToken, parsePageToken, type FeatureSetStore } from './store';

/** The feature set domain: create (validate, deduplicate, queue), read, and the runner's work. */
export class FeatureSets {
  constructor(
    private readonly store: FeatureSetStore,
    private readonly datasets: Datasets,
    private readonly artifacts: ArtifactStore,
    private readonly onCreated: () => void,
  ) {}

  /**
   * Validates the spec against the dataset (and its data, for empty splits and too-long
   * horizons), then stores a PENDING feature set, or returns the existing one for the same
   * dataset, version and spec.
   * @throws InvalidArgumentError naming the field (nothing is stored); NotFoundError for an
   * unknown dataset or version; FailedPreconditionError for a dataset without rows;
   * UnavailableError when ingestion is down.
   */
  async create(tenant: string, req: pb.CreateFeatureSetRequest): Promise<pb.CreateFeatureSetResponse> {
    const ds = await this.datasets.get(tenant, req.dataset, req.datasetVersion);
    const mapped = mapFeatureSpec(req.spec, ds.schema);
    validateMappedSpec(mapped, ds.schema);
    const spec = canonicalSpecBytes(mapped.normalized);
    const specHash = createHash('sha256').update(spec).digest('hex');
    const key = { dataset: ds.name, datasetId: ds.id, version: ds.version, specHash, spec };
    const existing = await this.store.find(tenant, key);
    if (!existing) await this.preflight(tenant, mapped, ds.name, ds.version, ds.rowCount);
    const { row, created } = await this.store.insertOrGet(tenant, key);
    if (row.state === 'PENDING') this.onCreated();
    return { featureSet: toProto(row), created };
  }

  private async preflight(tenant: string, mapped: MappedSpec, dataset: string, version: number, rows: number): Promise<void> {
    const columns = preflightColumns(mapped.ml);
    let frame: Frame = { rowCount: 0, columns: {} };
    if (columns.length) {
      const builder = new FrameBuilder(rows);
      for await (const batch of this.datasets.read(tenant, dataset, version, columns)) builder.add(batch);
      frame = builder.build();
      rows = frame.rowCount;
    }
    try {
      preflight(mapped.ml, frame, rows);
    } catch (err) {
      throw translateMlError(err, mapped);
    }
  }

  /** @throws NotFoundError for an unknown id (or another tenant's). */
  async get(tenant: string, id: string): Promise<pb.FeatureSet> {
    return toProto(await this.store.get(tenant, id));
  }

  /** The raw row, for watchers. */
  row(tenant: string, id: string): Promise<FeatureSetRow> {
    return this.store.get(tenant, id);
  }

  /** Newest first. @throws InvalidArgumentError for a bad page token or page size. */
  async list(tenant: string, req: pb.ListFeatureSetsRequest): Promise<pb.ListFeatureSetsResponse> {
    if (req.pageSize < 0) throw InvalidArgumentError.field('page_size', 'must not be negative');
    const size = Math.min(req.pageSize || 50, 500);
    const rows = await this.store.list(tenant, req.dataset, size + 1, parsePageToken(req.pageToken));
    const page = rows.slice(0, size);
    return { featureSets: page.map(toProto), nextPageToken: rows.length > size ? pageToken(page[page.length - 1]) : '' };
  }

  /**
   * The runner's work for one claimed feature set: re-read the dataset schema, map the
   * stored (normalized) spec and materialize it. libs/ml errors come back translated
   * (INVALID_ARGUMENT naming the protobuf field), so the FAILED reason names the field.
   */
  async execute(row: FeatureSetRow, onProgress: (p: number) => void, signal: AbortSignal): Promise<FeatureSetResult> {
    const ds = await this.datasets.get(row.tenant, row.dataset, Number(row.dataset_version));
    let mapped: MappedSpec | undefined;
    try {
      mapped = mapFeatureSpec(pb.FeatureSpec.decode(row.spec), ds.schema);
      validateMappedSpec(mapped, ds.schema);
      return await materialize({
        tenant: row.tenant,
        spec: mapped.ml,
        rows: this.datasets.read(row.tenant, row.dataset, ds.version, specColumns(mapped.ml), signal),
        expectedRows: ds.rowCount,
        artifacts: this.artifacts,
        onProgress,
        signal,
      });
    } catch (err) {
      throw translateMlError(err, mapped);
    }
  }
}
