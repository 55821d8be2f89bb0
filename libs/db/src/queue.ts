import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db } from './pool';
import type { SchemaMigrations } from './migrate';
import { listen, type Subscription } from './notify';
import init from './migrations/queue_001_init.sql';

/** Migrations of the `queue` schema. */
export const queueMigrations: SchemaMigrations = { schema: 'queue', migrations: [{ name: '001_init', sql: init }] };

/** States of a queued job. */
export type QueueJobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** One job of a queue. */
export interface QueueJob<P = Record<string, unknown>> {
  id: string;
  tenant: string;
  queue: string;
  payload: P;
  state: QueueJobState;
  /** Attempts started so far (the running attempt included). */
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  runAfter: Date;
  lastError: string | null;
}

/** Timing of leases (milliseconds). */
export interface QueueTiming {
  /** How long a claim holds before another worker may take the job (default 10 s). */
  leaseMs: number;
  /** How often a worker renews its leases (default 2 s). */
  heartbeatMs: number;
  /** Fallback poll when no NOTIFY arrives; also the sweep of expired leases (default 5 s). */
  pollMs: number;
}

/** Default lease timing: a dead worker's job is claimable again within lease + poll (15 s). */
export const DEFAULT_QUEUE_TIMING: QueueTiming = { leaseMs: 10_000, heartbeatMs: 2_000, pollMs: 5_000 };

type Sql = Pick<Db, 'unsafe'> & Db;

interface Row {
  id: string;
  tenant: string;
  queue: string;
  payload: unknown;
  state: QueueJobState;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  run_after: Date;
  last_error: string | null;
}

function toJob<P>(r: Row): QueueJob<P> {
  return {
    id: r.id,
    tenant: r.tenant,
    queue: r.queue,
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as P,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    runAfter: r.run_after,
    lastError: r.last_error,
  };
}

/** NOTIFY channel of a queue: payloads are `enqueued` or `cancel:<job id>`. */
export function queueChannel(queue: string): string {
  return `cityml_queue_${queue.replace(/[^a-z0-9_]/gi, '_')}`;
}

/** A unique lease owner for this process: host, pid and a random suffix. */
export function leaseOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * A job queue in Postgres (schema `queue`): claims with `FOR UPDATE SKIP LOCKED`, so a job
 * is claimed by exactly one worker; a claim is a lease its worker renews by heartbeat; a
 * lease that runs out makes the job claimable again (attempt + 1) until `maxAttempts`,
 * then the job is FAILED with the reason. Every method takes an optional `sql` so callers
 * can enqueue or cancel inside their own transaction (the NOTIFY is sent on commit).
 */
export class JobQueue<P = Record<string, unknown>> {
  readonly timing: QueueTiming;

  constructor(
    private readonly db: Db,
    readonly name: string,
    timing: Partial<QueueTiming> = {},
  ) {
    this.timing = { ...DEFAULT_QUEUE_TIMING, ...timing };
  }

  /** Adds a job (state queued) and wakes the workers. */
  async enqueue(tenant: string, payload: P, options: { id?: string; maxAttempts?: number; runAfter?: Date; sql?: Sql } = {}): Promise<QueueJob<P>> {
    const sql = options.sql ?? this.db;
    const id = options.id ?? randomUUID();
    const [row] = await sql<Row[]>`insert into queue.jobs (id, tenant, queue, payload, max_attempts, run_after)
      values (${id}, ${tenant}, ${this.name}, ${sql.json(payload as never)}, ${options.maxAttempts ?? 3}, ${options.runAfter ?? new Date()})
      returning *`;
    await sql`select pg_notify(${queueChannel(this.name)}, 'enqueued')`;
    return toJob<P>(row);
  }

  /** A job of the tenant, or undefined. */
  async get(tenant: string, id: string, sql: Sql = this.db): Promise<QueueJob<P> | undefined> {
    const [row] = await sql<Row[]>`select * from queue.jobs where tenant = ${tenant} and queue = ${this.name} and id = ${id}`;
    return row ? toJob<P>(row) : undefined;
  }

  /**
   * Claims the next runnable job for `owner`: a queued job whose run_after has come, or a
   * running job whose lease expired with attempts left. Increments attempts.
   */
  async claim(owner: string): Promise<QueueJob<P> | undefined> {
    const [row] = await this.db<Row[]>`update queue.jobs set state = 'running', attempts = attempts + 1,
        lease_owner = ${owner}, lease_expires_at = now() + ${this.timing.leaseMs} * interval '1 millisecond', updated_at = now()
      where id = (
        select id from queue.jobs
        where queue = ${this.name}
          and ((state = 'queued' and run_after <= now())
            or (state = 'running' and lease_expires_at < now() and attempts < max_attempts))
        order by run_after, created_at
        for update skip locked
        limit 1)
      returning *`;
    return row ? toJob<P>(row) : undefined;
  }

  /** Renews the leases `owner` holds on `ids`; returns the ids whose lease is still held. */
  async heartbeat(owner: string, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.db<{ id: string }[]>`update queue.jobs
      set lease_expires_at = now() + ${this.timing.leaseMs} * interval '1 millisecond', updated_at = now()
      where queue = ${this.name} and id in ${this.db(ids)} and lease_owner = ${owner} and state = 'running'
      returning id`;
    return new Set(rows.map((r) => r.id));
  }

  /** Marks a job done; false when `owner` no longer holds it. */
  async complete(id: string, owner: string, sql: Sql = this.db): Promise<boolean> {
    const rows = await sql`update queue.jobs set state = 'done', lease_owner = null, lease_expires_at = null, updated_at = now()
      where id = ${id} and lease_owner = ${owner} and state = 'running' returning id`;
    return rows.length > 0;
  }

  /**
   * Records a failed attempt. With `retry` and attempts left the job is queued again
   * after `delayMs`; otherwise it is FAILED. Returns the new state, or undefined when
   * `owner` no longer holds the job.
   */
  async fail(id: string, owner: string, error: string, options: { retry?: boolean; delayMs?: number; sql?: Sql } = {}): Promise<QueueJobState | undefined> {
    const sql = options.sql ?? this.db;
    const retry = options.retry ?? true;
    const [row] = await sql<{ state: QueueJobState }[]>`update queue.jobs set
        state = case when ${retry} and attempts < max_attempts then 'queued' else 'failed' end,
        run_after = now() + ${options.delayMs ?? 1000} * interval '1 millisecond',
        last_error = ${error}, lease_owner = null, lease_expires_at = null, updated_at = now()
      where id = ${id} and lease_owner = ${owner} and state = 'running' returning state`;
    if (row?.state === 'queued') await sql`select pg_notify(${queueChannel(this.name)}, 'enqueued')`;
    return row?.state;
  }

  /** Puts a job back without spending its attempt (graceful shutdown); false when not held. */
  async release(id: string, owner: string): Promise<boolean> {
    const rows = await this.db`update queue.jobs set state = 'queued', attempts = greatest(attempts - 1, 0),
        lease_owner = null, lease_expires_at = null, run_after = now(), updated_at = now()
      where id = ${id} and lease_owner = ${owner} and state = 'running' returning id`;
    if (rows.length) await this.db`select pg_notify(${queueChannel(this.name)}, 'enqueued')`;
    return rows.length > 0;
  }

  /** Cancels a queued or running job of the tenant; its worker hears of it by NOTIFY. */
  async cancel(tenant: string, id: string, sql: Sql = this.db): Promise<boolean> {
    const rows = await sql`update queue.jobs set state = 'cancelled', lease_owner = null, lease_expires_at = null, updated_at = now()
      where tenant = ${tenant} and queue = ${this.name} and id = ${id} and state in ('queued', 'running') returning id`;
    if (rows.length) await sql`select pg_notify(${queueChannel(this.name)}, ${'cancel:' + id})`;
    return rows.length > 0;
  }

  /**
   * Fails running jobs whose lease expired with no attempts left (their worker died on
   * the last attempt) and returns them.
   */
  async sweepExpired(): Promise<QueueJob<P>[]> {
    const rows = await this.db<Row[]>`update queue.jobs set state = 'failed', lease_owner = null, lease_expires_at = null, updated_at = now(),
        last_error = 'the worker stopped renewing its lease on attempt ' || attempts || ' of ' || max_attempts
        || coalesce(' (last error: ' || last_error || ')', '')
      where queue = ${this.name} and state = 'running' and lease_expires_at < now() and attempts >= max_attempts
      returning *`;
    return rows.map((r) => toJob<P>(r));
  }

  /** Milliseconds until the next queued job becomes runnable or a lease expires (undefined: none). */
  async nextDueInMs(): Promise<number | undefined> {
    const [row] = await this.db<{ ms: number | null }[]>`select extract(epoch from (min(t) - now())) * 1000 as ms from (
        select min(run_after) as t from queue.jobs where queue = ${this.name} and state = 'queued'
        union all select min(lease_expires_at) from queue.jobs where queue = ${this.name} and state = 'running') s`;
    return row?.ms === null || row?.ms === undefined ? undefined : Math.max(0, Number(row.ms));
  }

  /** LISTENs on the queue's channel. */
  subscribe(onMessage: (payload: string) => void, onListen?: () => void): Promise<Subscription> {
    return listen(this.db, queueChannel(this.name), onMessage, onListen);
  }
}

/** Why a running job's signal aborted. */
export class JobAbortedError extends Error {
  constructor(readonly reason: 'cancelled' | 'lease-lost' | 'shutdown') {
    super(reason === 'cancelled' ? 'the job was cancelled' : reason === 'lease-lost' ? 'the lease on the job was lost' : 'the worker is shutting down');
    this.name = 'JobAbortedError';
  }
}

/** Thrown by a handler for a failure that retrying cannot fix: the job is FAILED at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

/** What a handler gets besides the job. */
export interface JobContext {
  /** Aborts (reason: a {@link JobAbortedError}) on cancel, lost lease or shutdown. */
  signal: AbortSignal;
  /** The lease owner running the job. */
  owner: string;
}

/** Runs one job; resolve = done, throw = failed attempt (retried unless {@link PermanentJobError}). */
export type JobHandler<P> = (job: QueueJob<P>, ctx: JobContext) => Promise<void>;

/** Options of a {@link QueueWorker}. */
export interface QueueWorkerOptions<P> {
  /** Jobs run at once by this worker (default 1). */
  concurrency?: number;
  owner?: string;
  /** Jobs the sweep failed because their worker died on the last attempt. */
  onExpired?: (jobs: QueueJob<P>[]) => Promise<void> | void;
  /** Errors of the worker's own bookkeeping (claims, heartbeats). */
  onError?: (err: unknown) => void;
}

/**
 * Claims and runs jobs of one queue with bounded concurrency: woken by NOTIFY, with a
 * slow fallback poll that also sweeps expired leases; renews its leases every
 * heartbeat and aborts a job whose lease it lost or that was cancelled.
 */
export class QueueWorker<P = Record<string, unknown>> {
  readonly owner: string;
  private readonly concurrency: number;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopped = false;
  private filling = false;
  private again = false;
  private sub?: Subscription;
  private timers: NodeJS.Timeout[] = [];
  private wakeTimer?: NodeJS.Timeout;

  constructor(
    private readonly queue: JobQueue<P>,
    private readonly handler: JobHandler<P>,
    private readonly options: QueueWorkerOptions<P> = {},
  ) {
    this.owner = options.owner ?? leaseOwnerId();
    this.concurrency = Math.max(1, options.concurrency ?? 1);
  }

  /** Ids of the jobs running here now. */
  get active(): string[] {
    return [...this.running.keys()];
  }

  /** Starts listening, polling and heartbeating, and claims what is runnable. */
  async start(): Promise<void> {
    this.sub = await this.queue.subscribe(
      (msg) => (msg.startsWith('cancel:') ? this.abort(msg.slice(7), 'cancelled') : this.wake()),
      () => this.wake(),
    );
    const { pollMs, heartbeatMs } = this.queue.timing;
    this.timers.push(setInterval(() => void this.tick(), pollMs), setInterval(() => void this.beat(), heartbeatMs));
    for (const t of this.timers) t.unref();
    void this.tick();
  }

  /** Claims jobs until the concurrency is used up or nothing is runnable. */
  wake(): void {
    if (this.stopped) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    this.fill()
      .catch((err) => this.options.onError?.(err))
      .finally(() => (this.filling = false));
  }

  private async fill(): Promise<void> {
    do {
      this.again = false;
      while (!this.stopped && this.running.size < this.concurrency) {
        const job = await this.queue.claim(this.owner);
        if (!job) break;
        this.run(job);
      }
    } while (this.again && !this.stopped);
    if (this.stopped || this.running.size >= this.concurrency) return;
    const due = await this.queue.nextDueInMs();
    if (due !== undefined && due < this.queue.timing.pollMs) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => this.wake(), due + 20);
      this.wakeTimer.unref();
    }
  }

  private async tick(): Promise<void> {
    try {
      const expired = await this.queue.sweepExpired();
      if (expired.length) await this.options.onExpired?.(expired);
    } catch (err) {
      this.options.onError?.(err);
    }
    this.wake();
  }

  private async beat(): Promise<void> {
    const ids = this.active;
    if (!ids.length) return;
    try {
      const held = await this.queue.heartbeat(this.owner, ids);
      for (const id of ids) if (!held.has(id) && this.running.has(id)) this.abort(id, 'lease-lost');
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private abort(id: string, reason: JobAbortedError['reason']): void {
    const r = this.running.get(id);
    if (r && !r.controller.signal.aborted) r.controller.abort(new JobAbortedError(reason));
  }

  private run(job: QueueJob<P>): void {
    const controller = new AbortController();
    const signal = controller.signal;
    const settle = async (err: unknown | undefined) => {
      const reason = signal.aborted ? (signal.reason as JobAbortedError).reason : undefined;
      if (reason === 'shutdown') await this.queue.release(job.id, this.owner);
      else if (reason) return; // cancelled (already recorded) or lease lost (another worker has it)
      else if (err === undefined) await this.queue.complete(job.id, this.owner);
      else {
        const message = err instanceof Error ? err.message : String(err);
        await this.queue.fail(job.id, this.owner, message, { retry: !(err instanceof PermanentJobError) });
      }
    };
    const done = Promise.resolve()
      .then(() => this.handler(job, { signal, owner: this.owner }))
      .then(
        () => settle(undefined),
        (err) => settle(err ?? new Error('job failed')),
      )
      .catch((err) => this.options.onError?.(err))
      .finally(() => {
        this.running.delete(job.id);
        this.wake();
      });
    this.running.set(job.id, { controller, done });
  }

  /** Stops claiming, aborts running jobs (they are released back to the queue) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.wakeTimer);
    await this.sub?.unlisten().catch(() => undefined);
    const pending = [...this.running.entries()];
    for (const [id] of pending) this.abort(id, 'shutdown');
    await Promise.all(pending.map(([, r]) => r.done));
  }
}
