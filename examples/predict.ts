// Forecast the next three hours of PM2.5 at every station from its latest readings, with
// the production version of the model train-forecast.ts registered.
//   node tools/run-ts.mjs examples/predict.ts [MODEL[@ALIAS]]
import { connectFromEnv } from './connect';

async function main(): Promise<void> {
  const model = process.argv[2] ?? 'air-pm25@production';
  const client = connectFromEnv();
  try {
    // The last two days of readings (ReadRows over a time range), as plain objects.
    const ds = await client.ingestion.getDataset('air-quality');
    const stats = await client.ingestion.getStatistics('air-quality', 1);
    const lastMicros = stats.columns.find((c) => c.name === ds.schema?.timeColumn)!.numeric!.max;
    const since = new Date(lastMicros / 1000 - 48 * 3600_000);
    const records = await client.ingestion.readRecords({ dataset: 'air-quality', version: 1, startTime: since });
    const rows = records.map((r) => ({ ...r, ts: new Date((r.ts as number) / 1000) }));
    console.log(`${rows.length} readings since ${since.toISOString()}`);

    const prediction = await client.predict(model, rows);
    console.log(`${prediction.modelName} version ${prediction.modelVersion} (${prediction.kind}):`);
    for (const s of prediction.forecasts) console.log(`  ${s.group}: ${s.values.map((v) => v.toFixed(1)).join(', ')} µg/m³`);
  } finally {
    client.close();
  }
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
