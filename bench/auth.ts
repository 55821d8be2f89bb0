// Benchmark of the API key check on the hot path.
// Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node tools/run-ts.mjs bench/auth.ts [calls]
// Prints the median latency and throughput of GetModel (NOT_FOUND: one indexed query)
// with auth on (key check from the in-memory cache, role table, rate-limit bucket)
// against the same calls with auth off (the reference), and their ratio; then the cost
// of a first call with a new key (one database lookup) against a cached one.
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import type { CityML } from '@cityml/sdk';

const CALLS = Number(process.argv[2] ?? 2000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(client: CityML, n: number): Promise<{ medianUs: number; perSecond: number }> {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await client.registry.getModel('nope').catch(() => undefined);
    lat.push((performance.now() - s) * 1000);
  }
  return { medianUs: median(lat), perSecond: n / ((performance.now() - t0) / 1000) };
}

async function main(): Promise<void> {
  const on: TestPlatform = await startTestPlatform({ services: ['registry'] });
  const off: TestPlatform = await startTestPlatform({ services: ['registry'], env: { CITYML_AUTH: 'off' } });
  try {
    await run(on.client, 200); // warm up both
    await run(off.client, 200);
    const a = await run(on.client, CALLS);
    const b = await run(off.client, CALLS);
    console.log(`GetModel x${CALLS}, auth on:  median ${a.medianUs.toFixed(0)} µs, ${a.perSecond.toFixed(0)} calls/s`);
    console.log(`GetModel x${CALLS}, auth off: median ${b.medianUs.toFixed(0)} µs, ${b.perSecond.toFixed(0)} calls/s (reference)`);
    console.log(`ratio auth on / off: latency ${(a.medianUs / b.medianUs).toFixed(2)}, throughput ${(a.perSecond / b.perSecond).toFixed(2)}`);
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 50; i++) {
      const k = await on.createKey({ tenant: 'default', role: 'reader' });
      let s = performance.now();
      await k.client.registry.getModel('nope').catch(() => undefined);
      cold.push((performance.now() - s) * 1000);
      s = performance.now();
      await k.client.registry.getModel('nope').catch(() => undefined);
      warm.push((performance.now() - s) * 1000);
      k.client.close();
    }
    console.log(`first call with a new key (connect + one key lookup): median ${median(cold).toFixed(0)} µs; second call (cached): ${median(warm).toFixed(0)} µs`);
  } finally {
    await on.stop();
    await off.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
