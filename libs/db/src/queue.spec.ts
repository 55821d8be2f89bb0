import { createDb, migrate, type Db } from './index';
import { JobAbortedError, JobQueue, PermanentJobError, QueueWorker, queueMigrations, type QueueJob } from './queue';
import { createTestDatabase } from './testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(25);
  }
}

describe('the job queue', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { max: 20 });
    await migrate(db, [queueMigrations]);
  });
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  it('hands each job to exactly one of many concurrent claimers', async () => {
    const q = new JobQueue(db, 'claim-once');
    for (let i = 0; i < 30; i++) await q.enqueue('t1', { i });
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (;;) {
          const job = await q.claim(`w${w}`);
          if (!job) return;
          claimed.push(job.id);
        }
      }),
    );
    expect(claimed).toHaveLength(30);
    expect(new Set(claimed).size).toBe(30);
  });

  it('makes a job claimable again, as its next attempt, once its lease expires', async () => {
    const q = new JobQueue(db, 'lease', { leaseMs: 200 });
    const job = await q.enqueue('t1', { x: 1 });
    const first = await q.claim('dead-worker');
    expect(first).toMatchObject({ id: job.id, attempts: 1, leaseOwner: 'dead-worker' });
    expect(await q.claim('other')).toBeUndefined(); // still leased
    await sleep(300);
    const second = await q.claim('other');
    expect(second).toMatchObject({ id: job.id, attempts: 2, leaseOwner: 'other' });
    expect(await q.complete(job.id, 'dead-worker')).toBe(false); // the old owner lost it
    expect(await q.complete(job.id, 'other')).toBe(true);
    expect((await q.get('t1', job.id))?.state).toBe('done');
  });

  it('keeps a lease alive while its worker heartbeats', async () => {
    const q = new JobQueue(db, 'heartbeat', { leaseMs: 300 });
    const job = await q.enqueue('t1', {});
    await q.claim('w');
    for (let i = 0; i < 4; i++) {
      await sleep(150);
      expect((await q.heartbeat('w', [job.id])).has(job.id)).toBe(true);
    }
    expect(await q.claim('thief')).toBeUndefined();
  });

  it('fails a job whose worker died on its last attempt, with the reason', async () => {
    const q = new JobQueue(db, 'retry-limit', { leaseMs: 100 });
    const job = await q.enqueue('t1', {}, { maxAttempts: 2 });
    expect((await q.claim('a'))?.attempts).toBe(1);
    await sleep(150);
    expect((await q.claim('b'))?.attempts).toBe(2);
    await sleep(150);
    expect(await q.claim('c')).toBeUndefined();
    const swept = await q.sweepExpired();
    expect(swept.map((j) => j.id)).toEqual([job.id]);
    const row = await q.get('t1', job.id);
    expect(row?.state).toBe('failed');
    expect(row?.lastError).toMatch(/attempt 2 of 2/);
  });

  it('retries a failed attempt until max attempts, and never retries a permanent failure', async () => {
    const q = new JobQueue(db, 'fail');
    const job = await q.enqueue('t1', {}, { maxAttempts: 2 });
    await q.claim('w');
    expect(await q.fail(job.id, 'w', 'boom', { delayMs: 0 })).toBe('queued');
    await q.claim('w');
    expect(await q.fail(job.id, 'w', 'boom again', { delayMs: 0 })).toBe('failed');
    expect((await q.get('t1', job.id))?.lastError).toBe('boom again');
    const other = await q.enqueue('t1', {}, { maxAttempts: 5 });
    await q.claim('w');
    expect(await q.fail(other.id, 'w', 'bad input', { retry: false })).toBe('failed');
  });

  it('scopes reads and cancels by tenant', async () => {
    const q = new JobQueue(db, 'tenants');
    const job = await q.enqueue('t1', {});
    expect(await q.get('t2', job.id)).toBeUndefined();
    expect(await q.cancel('t2', job.id)).toBe(false);
    expect(await q.cancel('t1', job.id)).toBe(true);
    expect(await q.claim('w')).toBeUndefined();
  });

  it('wakes a worker by NOTIFY, runs jobs with bounded concurrency and aborts a cancelled job', async () => {
    const q = new JobQueue(db, 'worker', { pollMs: 60_000, heartbeatMs: 100, leaseMs: 1000 });
    let active = 0;
    let peak = 0;
    const seen: string[] = [];
    const worker = new QueueWorker(
      q,
      async (job: QueueJob, { signal }) => {
        active++;
        peak = Math.max(peak, active);
        try {
          if ((job.payload as { block?: boolean }).block) {
            await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
          }
          await sleep(50);
          seen.push(job.id);
        } finally {
          active--;
        }
      },
      { concurrency: 2 },
    );
    await worker.start();
    try {
      const t0 = Date.now();
      const first = await q.enqueue('t1', {});
      await until(async () => (await q.get('t1', first.id))?.state === 'done');
      expect(Date.now() - t0).toBeLessThan(2000); // NOTIFY, not the 60 s poll
      const jobs = await Promise.all(Array.from({ length: 5 }, () => q.enqueue('t1', {})));
      await until(async () => (await Promise.all(jobs.map((j) => q.get('t1', j.id)))).every((j) => j?.state === 'done'));
      expect(peak).toBe(2);
      const blocked = await q.enqueue('t1', { block: true });
      await until(async () => worker.active.includes(blocked.id));
      expect(await q.cancel('t1', blocked.id)).toBe(true);
      await until(async () => !worker.active.includes(blocked.id));
      expect((await q.get('t1', blocked.id))?.state).toBe('cancelled');
    } finally {
      await worker.stop();
    }
  });

  it('releases running jobs on stop without spending an attempt', async () => {
    const q = new JobQueue(db, 'release', { pollMs: 60_000 });
    const worker = new QueueWorker(q, (_job, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    await worker.start();
    const job = await q.enqueue('t1', {});
    await until(async () => worker.active.includes(job.id));
    await worker.stop();
    const row = await q.get('t1', job.id);
    expect(row).toMatchObject({ state: 'queued', attempts: 0 });
    expect(new JobAbortedError('shutdown').message).toMatch(/shutting down/);
    expect(new PermanentJobError('x')).toBeInstanceOf(Error);
  });
});
