import { evaluation as ev, training } from '@cityml/proto';
import { InvalidArgumentError, requireRole, type AsyncService } from '@cityml/runtime';
import { jobToProto, stateFilter } from './convert';
import type { TrainingJobs } from './jobs';
import type { PageCursor } from './store';

function decodeToken(token: string): PageCursor | undefined {
  if (!token) return undefined;
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageCursor;
    if (typeof c.createTime === 'string' && typeof c.id === 'string') return c;
  } catch {
    // fall through
  }
  throw InvalidArgumentError.field('page_token', 'is not a token this service issued');
}

const encodeToken = (c: PageCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

/**
 * The gRPC handlers of cityml.training.v1.TrainingService: decode, call the domain, encode.
 * SubmitJob: INVALID_ARGUMENT (naming the field), NOT_FOUND (feature set),
 * FAILED_PRECONDITION (feature set not ready), UNAVAILABLE (a peer is down).
 * GetJob / WatchJob: NOT_FOUND. CancelJob: NOT_FOUND, FAILED_PRECONDITION (already ended).
 */
export function trainingHandlers(jobs: TrainingJobs) {
  return {
    async submitJob(req, ctx) {
      // The worker promotes as the platform service identity: the submitter must be allowed to move production itself.
      if (req.promote) requireRole(ctx, 'admin', 'promoting to the protected alias "production"');
      return { job: jobToProto(await jobs.submit(ctx.principal.tenant, req)) };
    },
    async getJob(req, ctx) {
      if (!req.id) throw InvalidArgumentError.field('id', 'is required');
      return { job: jobToProto(await jobs.get(ctx.principal.tenant, req.id)) };
    },
    async listJobs(req, ctx) {
      if (req.pageSize < 0) throw InvalidArgumentError.field('page_size', 'must not be negative');
      const limit = Math.min(req.pageSize || 50, 500);
      const rows = await jobs.list(ctx.principal.tenant, {
        state: stateFilter(req.state),
        modelName: req.modelName || undefined,
        limit: limit + 1,
        after: decodeToken(req.pageToken),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        jobs: page.map(jobToProto),
        nextPageToken: rows.length > limit && last ? encodeToken({ createTime: last.createTime.toISOString(), id: last.id }) : '',
      };
    },
    async cancelJob(req, ctx) {
      if (!req.id) throw InvalidArgumentError.field('id', 'is required');
      return { job: jobToProto(await jobs.cancel(ctx.principal.tenant, req.id)) };
    },
    async *watchJob(req, ctx) {
      if (!req.id) throw InvalidArgumentError.field('id', 'is required');
      const signal = AbortSignal.any([ctx.signal, ctx.draining]);
      for await (const e of jobs.watch(ctx.principal.tenant, req.id, signal)) {
        const job = jobToProto(e.job);
        yield { job, epoch: e.epochIndex === undefined ? undefined : ev.EpochMetrics.fromJSON(e.job.history[e.epochIndex]) };
      }
    },
  } satisfies Partial<AsyncService<typeof training.TrainingServiceService>>;
}
