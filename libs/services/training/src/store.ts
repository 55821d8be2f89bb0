import { notify, type Db } from '@cityml/db';
import { NotFoundError } from '@cityml/runtime';

/** Lifecycle of a training job. */
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** A job as stored (proto messages kept in their JSON form). */
export interface JobRecord {
  id: string;
  tenant: string;
  state: JobState;
  featureSetId: string;
  task: string;
  dataset: string;
  datasetVersion: number;
  modelSpec: unknown;
  hyperparameters: unknown;
  modelName: string;
  promote: boolean;
  promotionMargin: number;
  attempt: number;
  maxAttempts: number;
  epoch: number;
  totalEpochs: number;
  history: unknown[];
  evaluation: unknown | null;
  modelVersion: number;
  productionVersion: number;
  blessed: boolean;
  blessingReason: string;
  promoted: boolean;
  error: string;
  backend: string;
  checkpointArtifactId: string;
  checkpointEpoch: number;
  resumedFromEpoch: number;
  stoppedEarly: boolean;
  bestEpoch: number;
  createTime: Date;
  startTime: Date | null;
  trainStartTime: Date | null;
  endTime: Date | null;
}

/** Channel of job changes; payload `{"tenant","id"}`. */
export const JOB_CHANNEL = 'cityml_training_jobs';

const COLUMNS: Record<string, string> = {
  state: 'state', attempt: 'attempt', epoch: 'epoch', evaluation: 'evaluation', modelVersion: 'model_version',
  productionVersion: 'production_version', blessed: 'blessed', blessingReason: 'blessing_reason', promoted: 'promoted',
  error: 'error', backend: 'backend', checkpointArtifactId: 'checkpoint_artifact_id', checkpointEpoch: 'checkpoint_epoch',
  resumedFromEpoch: 'resumed_from_epoch', stoppedEarly: 'stopped_early', bestEpoch: 'best_epoch', history: 'history',
  startTime: 'start_time', trainStartTime: 'train_start_time', endTime: 'end_time',
};

type Row = Record<string, unknown>;

function toRecord(r: Row): JobRecord {
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    id: r.id as string, tenant: r.tenant as string, state: r.state as JobState, featureSetId: r.feature_set_id as string,
    task: r.task as string, dataset: r.dataset as string, datasetVersion: Number(r.dataset_version), modelSpec: parse(r.model_spec),
    hyperparameters: parse(r.hyperparameters), modelName: r.model_name as string, promote: r.promote as boolean,
    promotionMargin: Number(r.promotion_margin), attempt: r.attempt as number, maxAttempts: r.max_attempts as number,
    epoch: r.epoch as number, totalEpochs: r.total_epochs as number, history: (parse(r.history) as unknown[]) ?? [],
    evaluation: parse(r.evaluation) ?? null, modelVersion: Number(r.model_version), productionVersion: Number(r.production_version),
    blessed: r.blessed as boolean, blessingReason: r.blessing_reason as string, promoted: r.promoted as boolean,
    error: r.error as string, backend: r.backend as string, checkpointArtifactId: r.checkpoint_artifact_id as string,
    checkpointEpoch: r.checkpoint_epoch as number, resumedFromEpoch: r.resumed_from_epoch as number,
    stoppedEarly: r.stopped_early as boolean, bestEpoch: r.best_epoch as number, createTime: r.create_time as Date,
    startTime: (r.start_time as Date) ?? null, trainStartTime: (r.train_start_time as Date) ?? null, endTime: (r.end_time as Date) ?? null,
  };
}

/** A page position: the last job of the previous page. */
export interface PageCursor {
  createTime: string;
  id: string;
}

/** All SQL of the training service; every query is scoped by tenant. */
export class JobStore {
  constructor(private readonly db: Db) {}

  /** Inserts a new job (inside the caller's transaction when `sql` is given). */
  async insert(job: Pick<JobRecord, 'id' | 'tenant' | 'featureSetId' | 'task' | 'dataset' | 'datasetVersion' | 'modelSpec' | 'hyperparameters' | 'modelName' | 'promote' | 'promotionMargin' | 'maxAttempts' | 'totalEpochs'>, sql: Db = this.db): Promise<JobRecord> {
    const [row] = await sql<Row[]>`insert into training.jobs (id, tenant, feature_set_id, task, dataset, dataset_version, model_spec,
        hyperparameters, model_name, promote, promotion_margin, max_attempts, total_epochs)
      values (${job.id}, ${job.tenant}, ${job.featureSetId}, ${job.task}, ${job.dataset}, ${job.datasetVersion},
        ${sql.json(job.modelSpec as never)}, ${sql.json(job.hyperparameters as never)}, ${job.modelName}, ${job.promote},
        ${job.promotionMargin}, ${job.maxAttempts}, ${job.totalEpochs})
      returning *`;
    return toRecord(row);
  }

  /** @throws NotFoundError when the tenant has no such job. */
  async get(tenant: string, id: string, sql: Db = this.db): Promise<JobRecord> {
    const [row] = await sql<Row[]>`select * from training.jobs where tenant = ${tenant} and id = ${id}`;
    if (!row) throw new NotFoundError(`job ${id} not found`);
    return toRecord(row);
  }

  /** Newest first, filtered by state and model name. */
  async list(tenant: string, filter: { state?: JobState; modelName?: string; limit: number; after?: PageCursor }): Promise<JobRecord[]> {
    const sql = this.db;
    const rows = await sql<Row[]>`select * from training.jobs where tenant = ${tenant}
      ${filter.state ? sql`and state = ${filter.state}` : sql``}
      ${filter.modelName ? sql`and model_name = ${filter.modelName}` : sql``}
      ${filter.after ? sql`and (create_time, id) < (${filter.after.createTime}::timestamptz, ${filter.after.id})` : sql``}
      order by create_time desc, id desc limit ${filter.limit}`;
    return rows.map(toRecord);
  }

  /**
   * Updates fields of a job that has not ended (or, with `anyState`, of any job) and
   * notifies watchers. Returns the updated job, or undefined when it had already ended.
   */
  async update(tenant: string, id: string, fields: Partial<JobRecord>, options: { sql?: Db; anyState?: boolean } = {}): Promise<JobRecord | undefined> {
    const sql = options.sql ?? this.db;
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      const col = COLUMNS[k];
      if (!col) throw new Error(`unknown job field ${k}`);
      set[col] = k === 'history' || k === 'evaluation' ? (v === null ? null : sql.json(v as never)) : v;
    }
    set.update_time = new Date();
    const [row] = await sql<Row[]>`update training.jobs set ${sql(set)}
      where tenant = ${tenant} and id = ${id} ${options.anyState ? sql`` : sql`and state in ('queued', 'running')`}
      returning *`;
    if (row) await this.changed(tenant, id, sql);
    return row ? toRecord(row) : undefined;
  }

  /** Appends one epoch's metrics (and its checkpoint) to a running job. */
  async appendEpoch(tenant: string, id: string, metrics: unknown, checkpoint: { artifactId: string; epoch: number }): Promise<JobRecord | undefined> {
    const sql = this.db;
    const [row] = await sql<Row[]>`update training.jobs set
        history = history || ${sql.json([metrics] as never)}, epoch = ${checkpoint.epoch},
        checkpoint_artifact_id = ${checkpoint.artifactId}, checkpoint_epoch = ${checkpoint.epoch}, update_time = now()
      where tenant = ${tenant} and id = ${id} and state = 'running' returning *`;
    if (row) await this.changed(tenant, id);
    return row ? toRecord(row) : undefined;
  }

  /** NOTIFY watchers that a job changed. */
  changed(tenant: string, id: string, sql: Db = this.db): Promise<void> {
    return notify(sql, JOB_CHANNEL, JSON.stringify({ tenant, id }));
  }

  /** Runs `fn` in a transaction. */
  transaction<T>(fn: (sql: Db) => Promise<T>): Promise<T> {
    return this.db.begin((tx) => fn(tx as unknown as Db)) as Promise<T>;
  }
}
