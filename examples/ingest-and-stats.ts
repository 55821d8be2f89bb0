// Ingest a CSV file (the schema inferred from its first lines), look at its statistics,
// ingest a second month and check the new version for drift.
//   node tools/run-ts.mjs examples/ingest-and-stats.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { airQualityRows, toCsv } from '@cityml/samples';
import { connectFromEnv } from './connect';

async function main(): Promise<void> {
  const client = connectFromEnv();
  const dir = mkdtempSync(join(tmpdir(), 'cityml-example-'));
  try {
    // A month of hourly readings of 6 air-quality stations, as a CSV file.
    const january = join(dir, 'air-january.csv');
    writeFileSync(january, [...toCsv(airQualityRows({ stations: 6, days: 31 }))].join(''));
    const first = await client.ingestCsv(january, 'air-quality', {
      create: { timeZone: 'America/New_York', description: 'hourly air quality' },
      onProgress: (p) => process.stderr.write(`\r  ${p.rows} rows sent`),
    });
    process.stderr.write('\n');
    console.log(`version ${first.version?.version}: ${first.rowsAccepted} rows accepted, ${first.rowsRejected} rejected`);

    const ds = await client.ingestion.getDataset('air-quality');
    console.log(`schema: ${ds.schema?.columns.map((c) => `${c.name}`).join(', ')} (time column ${ds.schema?.timeColumn || 'none'})`);

    const stats = await client.ingestion.getStatistics('air-quality');
    for (const c of stats.columns.filter((c) => c.numeric && c.name !== 'ts')) {
      const p50 = c.numeric!.quantiles.find((q) => q.q === 0.5)?.value ?? NaN;
      console.log(`  ${c.name.padEnd(14)} count ${String(c.count).padStart(5)}  nulls ${String(c.nullCount).padStart(3)}  mean ${c.numeric!.mean.toFixed(1).padStart(6)}  median ${p50.toFixed(1).padStart(6)}`);
    }

    // A second month, from a different seed: a new version; compare it with the first.
    const february = join(dir, 'air-february.csv');
    writeFileSync(february, [...toCsv(airQualityRows({ stations: 6, days: 28, start: '2026-02-05T05:00:00Z', seed: 99 }))].join(''));
    const second = await client.ingestCsv(february, 'air-quality');
    console.log(`version ${second.version?.version}: ${second.version?.rowCount} rows in total`);
    const drift = await client.ingestion.compareVersions({ dataset: 'air-quality', baseVersion: first.version!.version, targetVersion: second.version!.version });
    for (const c of drift.columns) console.log(`  drift ${c.column.padEnd(14)} ${c.metric} ${c.value.toFixed(3)}${c.drifted ? '  DRIFTED' : ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    client.close();
  }
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
