import type { preprocessing } from '@cityml/proto';
import type { AsyncService } from '@cityml/runtime';
import type { Datasets } from './datasets';
import type { FeatureSets } from './feature-sets';
import { previewTransform } from './preview';
import { watchFeatureSet, type ChangeHub } from './watch';

/**
 * The gRPC handlers: decode, call the domain, encode. The tenant is always the caller's.
 * - CreateFeatureSet: OK (PENDING, or the existing feature set), INVALID_ARGUMENT naming the
 *   field (nothing stored), NOT_FOUND (dataset or version), FAILED_PRECONDITION (no rows yet),
 *   UNAVAILABLE (ingestion or the database down).
 * - GetFeatureSet / WatchFeatureSet: NOT_FOUND for an unknown id or another tenant's.
 * - ListFeatureSets: INVALID_ARGUMENT for a bad page token or page size.
 * - PreviewTransform: INVALID_ARGUMENT naming the field (spec, rows, limit), NOT_FOUND (dataset).
 */
export function handlers(featureSets: FeatureSets, datasets: Datasets, hub: ChangeHub) {
  return {
    async createFeatureSet(req, ctx) {
      return featureSets.create(ctx.principal.tenant, req);
    },
    async getFeatureSet(req, ctx) {
      return { featureSet: await featureSets.get(ctx.principal.tenant, req.id) };
    },
    async listFeatureSets(req, ctx) {
      return featureSets.list(ctx.principal.tenant, req);
    },
    async *watchFeatureSet(req, ctx) {
      const tenant = ctx.principal.tenant;
      yield* watchFeatureSet(hub, () => featureSets.row(tenant, req.id), ctx);
    },
    async previewTransform(req, ctx) {
      return previewTransform(ctx.principal.tenant, req, datasets);
    },
  } satisfies Partial<AsyncService<typeof preprocessing.PreprocessingServiceService>>;
}
