// Benchmark of the registry's artifact streaming and change-event delivery.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node tools/run-ts.mjs bench/registry.ts [MiB]
// Prints MiB/s of UploadArtifact and DownloadArtifact through gRPC (SDK, 1 MiB chunks)
// against the artifact store used directly in the same process (the reference), their
// ratios, and the latency from issuing SetAlias to a WatchModels watcher receiving
// the event, against the time the SetAlias caller itself gets its answer (plus, as floors,
// a committed one-row write with NOTIFY → LISTEN, and a bare NOTIFY → LISTEN).
import { randomBytes } from 'node:crypto';
import { createDb, PostgresArtifactStore } from '@cityml/db';
import { encodeBundle, BUNDLE_FORMAT } from '@cityml/ml/bundle';
import { startTestPlatform } from '@cityml/platform/testing';

const MIB = Number(process.argv[2] ?? 32);
const ROUNDS = 30;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (bytes: number, ms: number) => bytes / (1024 * 1024) / (ms / 1000);

async function main(): Promise<void> {
  const t = await startTestPlatform({ services: ['registry'] });
  const db = createDb(t.databaseUrl, { max: 4 });
  const store = new PostgresArtifactStore(db);
  const reg = t.client.registry;
  try {
    const a = randomBytes(MIB * 1024 * 1024);
    const b = randomBytes(MIB * 1024 * 1024);
    let t0 = performance.now();
    const up = await reg.uploadArtifact(a);
    const upMs = performance.now() - t0;
    t0 = performance.now();
    await store.put(t.tenant, [b], {});
    const putMs = performance.now() - t0;
    t0 = performance.now();
    const down = await reg.downloadArtifact(up.artifactId);
    const downMs = performance.now() - t0;
    if (!down.equals(a)) throw new Error('download differs');
    t0 = performance.now();
    await store.getBuffer(t.tenant, up.artifactId);
    const getMs = performance.now() - t0;
    console.log(`upload   ${MIB} MiB: gRPC ${rate(a.length, upMs).toFixed(1)} MiB/s, store directly ${rate(b.length, putMs).toFixed(1)} MiB/s, ratio ${(putMs / upMs).toFixed(2)}`);
    console.log(`download ${MIB} MiB: gRPC ${rate(a.length, downMs).toFixed(1)} MiB/s, store directly ${rate(a.length, getMs).toFixed(1)} MiB/s, ratio ${(getMs / downMs).toFixed(2)}`);

    // Event latency: SetAlias resolved → event at a watcher.
    const small = await reg.uploadArtifact(encodeBundle({ format: BUNDLE_FORMAT, modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0), signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 1] }], outputKind: 'regression' } }));
    await reg.createModelVersion({ modelName: 'bench', createModel: true, artifactId: small.artifactId });
    await reg.createModelVersion({ modelName: 'bench', artifactId: small.artifactId });
    const stop = new AbortController();
    let resolveNext: ((at: number) => void) | undefined;
    let started!: () => void;
    const ready = new Promise<void>((r) => (started = r));
    const watching = (async () => {
      for await (const e of reg.followModels({ signal: stop.signal, onStart: () => started() })) if (e.alias) resolveNext?.(performance.now());
    })();
    await ready;
    const eventMs: number[] = [];
    const callMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const got = new Promise<number>((r) => (resolveNext = r));
      const issued = performance.now();
      await reg.setAlias('bench', 'production', (i % 2) + 1);
      callMs.push(performance.now() - issued);
      eventMs.push((await got) - issued);
    }
    stop.abort();
    await watching;
    const notifyMs: number[] = [];
    let onNotify: (() => void) | undefined;
    const sub = await db.listen('bench_channel', () => onNotify?.());
    for (let i = 0; i < ROUNDS; i++) {
      const got = new Promise<void>((r) => (onNotify = r));
      const s = performance.now();
      await db`select pg_notify('bench_channel', 'x')`;
      await got;
      notifyMs.push(performance.now() - s);
    }
    // The floor of any durable change: one row written and a NOTIFY, in one committed transaction.
    await db`create table if not exists public.registry_bench_rows (n int)`;
    const writeMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const got = new Promise<void>((r) => (onNotify = r));
      const s = performance.now();
      await db.begin(async (tx) => {
        await tx`insert into public.registry_bench_rows values (${i})`;
        await tx`select pg_notify('bench_channel', 'x')`;
      });
      await got;
      writeMs.push(performance.now() - s);
    }
    await db`drop table public.registry_bench_rows`;
    await sub.unlisten();
    const readMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = performance.now();
      await reg.getModel('bench');
      readMs.push(performance.now() - s);
    }
    console.log(`GetModel (one query) median ${median(readMs).toFixed(2)} ms`);
    const e = median(eventMs);
    const n = median(notifyMs);
    const w = median(writeMs);
    const c = median(callMs);
    console.log(`event delivery (median of ${ROUNDS}): watcher received the alias event ${e.toFixed(2)} ms after SetAlias was issued; the SetAlias caller had its answer after ${c.toFixed(2)} ms; ratio ${(e / c).toFixed(2)}`);
    console.log(`  floors in the same run: committed one-row write + NOTIFY → LISTEN ${w.toFixed(2)} ms, bare NOTIFY → LISTEN ${n.toFixed(2)} ms`);
  } finally {
    await db.end();
    await t.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
