import type { Db } from '@cityml/db';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@cityml/runtime';
import type { FeatureSetResult, FeatureSetRow } from './result';

/** NOTIFY channel of feature set changes; the payload is `tenant/id`. */
export const CHANNEL = 'preprocessing_feature_sets';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new feature set. */
export interface NewFeatureSet {
  dataset: string;
  datasetId: string;
  version: number;
  specHash: string;
  spec: Uint8Array;
}

/**
 * All SQL of the preprocessing service. Every query is scoped by tenant, except the queue's
 * `claim`, which serves every tenant (the row it returns carries its tenant).
 */
export class FeatureSetStore {
  constructor(private readonly db: Db) {}

  /**
   * Inserts a PENDING feature set, or returns the existing one with the same dataset,
   * version and spec hash (`created` false). A FAILED existing one is queued again.
   */
  async insertOrGet(tenant: string, f: NewFeatureSet): Promise<{ row: FeatureSetRow; created: boolean }> {
    const [row] = await this.db<FeatureSetRow[]>`
      insert into preprocessing.feature_sets (tenant, dataset, dataset_id, dataset_version, spec_hash, spec)
      values (${tenant}, ${f.dataset}, ${f.datasetId}, ${f.version}, ${f.specHash}, ${Buffer.from(f.spec)})
      on conflict (tenant, dataset, dataset_version, spec_hash) do nothing
      returning *`;
    if (row) {
      await this.notify(tenant, row.id);
      return { row, created: true };
    }
    const [requeued] = await this.db<FeatureSetRow[]>`
      update preprocessing.feature_sets set state = 'PENDING', progress = 0, error = '', attempts = 0, lease_owner = null, lease_until = null, updated_at = now()
      where tenant = ${tenant} and dataset = ${f.dataset} and dataset_version = ${f.version} and spec_hash = ${f.specHash} and state = 'FAILED'
      returning *`;
    if (requeued) {
      await this.notify(tenant, requeued.id);
      return { row: requeued, created: false };
    }
    const [existing] = await this.db<FeatureSetRow[]>`
      select * from preprocessing.feature_sets
      where tenant = ${tenant} and dataset = ${f.dataset} and dataset_version = ${f.version} and spec_hash = ${f.specHash}`;
    if (!existing) throw new AlreadyExistsError('the feature set changed concurrently; retry');
    return { row: existing, created: false };
  }

  /** The feature set of this dataset, version and spec hash, if one exists. */
  async find(tenant: string, f: Pick<NewFeatureSet, 'dataset' | 'version' | 'specHash'>): Promise<FeatureSetRow | undefined> {
    const [row] = await this.db<FeatureSetRow[]>`
      select * from preprocessing.feature_sets
      where tenant = ${tenant} and dataset = ${f.dataset} and dataset_version = ${f.version} and spec_hash = ${f.specHash}`;
    return row;
  }

  /** @throws NotFoundError when there is no such feature set for the tenant. */
  async get(tenant: string, id: string): Promise<FeatureSetRow> {
    if (!UUID.test(id)) throw new NotFoundError(`feature set ${id} not found`);
    const [row] = await this.db<FeatureSetRow[]>`select * from preprocessing.feature_sets where tenant = ${tenant} and id = ${id}`;
    if (!row) throw new NotFoundError(`feature set ${id} not found`);
    return row;
  }

  /** Newest first; `after` is the page token of the previous page. */
  async list(tenant: string, dataset: string, limit: number, after?: { createdAt: Date; id: string }): Promise<FeatureSetRow[]> {
    const byDataset = dataset ? this.db`and dataset = ${dataset}` : this.db``;
    const page = after ? this.db`and (created_at, id) < (${after.createdAt}, ${after.id})` : this.db``;
    return this.db<FeatureSetRow[]>`
      select * from preprocessing.feature_sets where tenant = ${tenant} ${byDataset} ${page}
      order by created_at desc, id desc limit ${limit}`;
  }

  /**
   * Claims the oldest runnable feature set of any tenant: PENDING (whose retry delay has
   * passed) or RUNNING with an expired lease (its runner died). Skips rows another
   * replica is claiming.
   */
  async claim(owner: string, leaseMs: number): Promise<FeatureSetRow | undefined> {
    const [row] = await this.db<FeatureSetRow[]>`
      update preprocessing.feature_sets f
      set state = 'RUNNING', lease_owner = ${owner}, lease_until = now() + ${leaseMs} * interval '1 millisecond',
          attempts = f.attempts + 1, progress = 0, updated_at = now()
      where (f.tenant, f.id) = (
        select tenant, id from preprocessing.feature_sets
        where state in ('PENDING', 'RUNNING') and (lease_until is null or lease_until < now())
        order by created_at limit 1 for update skip locked)
      returning f.*`;
    if (row) await this.notify(row.tenant, row.id);
    return row;
  }

  /** Extends the lease and records progress; false when the lease was lost. */
  async heartbeat(tenant: string, id: string, owner: string, leaseMs: number, progress: number): Promise<boolean> {
    const rows = await this.db`
      update preprocessing.feature_sets set lease_until = now() + ${leaseMs} * interval '1 millisecond',
        progress = greatest(progress, ${Math.min(1, Math.max(0, progress))}), updated_at = now()
      where tenant = ${tenant} and id = ${id} and lease_owner = ${owner} and state = 'RUNNING'
      returning id`;
    if (rows.length) await this.notify(tenant, id);
    return rows.length > 0;
  }

  /** Marks a claimed feature set READY with its result (only while this owner holds it). */
  async complete(tenant: string, id: string, owner: string, result: FeatureSetResult): Promise<boolean> {
    const rows = await this.db`
      update preprocessing.feature_sets set state = 'READY', progress = 1, error = '', result = ${this.db.json(result as never)},
        lease_owner = null, lease_until = null, updated_at = now()
      where tenant = ${tenant} and id = ${id} and lease_owner = ${owner} and state = 'RUNNING'
      returning id`;
    await this.notify(tenant, id);
    return rows.length > 0;
  }

  /** Marks a claimed feature set FAILED with a reason that is safe to show callers. */
  async fail(tenant: string, id: string, owner: string, reason: string): Promise<void> {
    await this.db`
      update preprocessing.feature_sets set state = 'FAILED', error = ${reason}, lease_owner = null, lease_until = null, updated_at = now()
      where tenant = ${tenant} and id = ${id} and lease_owner = ${owner} and state = 'RUNNING'`;
    await this.notify(tenant, id);
  }

  /** Puts a claimed feature set back in the queue, runnable after `delayMs` (a retry or a shutdown). */
  async release(tenant: string, id: string, owner: string, delayMs: number, refund = false): Promise<void> {
    await this.db`
      update preprocessing.feature_sets set state = 'PENDING', progress = 0, lease_owner = null,
        lease_until = now() + ${delayMs} * interval '1 millisecond', attempts = attempts - ${refund ? 1 : 0}, updated_at = now()
      where tenant = ${tenant} and id = ${id} and lease_owner = ${owner} and state = 'RUNNING'`;
    await this.notify(tenant, id);
  }

  private async notify(tenant: string, id: string): Promise<void> {
    await this.db`select pg_notify(${CHANNEL}, ${`${tenant}/${id}`})`;
  }
}

/** Encodes a keyset page token. */
export function pageToken(row: FeatureSetRow): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

/** @throws InvalidArgumentError naming `page_token` when it is not one this service wrote. */
export function parsePageToken(token: string): { createdAt: Date; id: string } | undefined {
  if (!token) return undefined;
  try {
    const [t, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(t);
    if (Number.isNaN(createdAt.getTime()) || !UUID.test(id)) throw new Error('bad token');
    return { createdAt, id };
  } catch {
    throw InvalidArgumentError.field('page_token', 'not a page token of this list');
  }
}
