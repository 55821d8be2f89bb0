// The whole path in one small program: plain rows in, a forecast out.
//   node tools/run-ts.mjs examples/quickstart.ts
// (with `npm start` running, or CITYML_ADDRESS and CITYML_API_KEY set).
import { trafficRows } from '@cityml/samples';
import { connectFromEnv } from './connect';

async function main(): Promise<void> {
  const client = connectFromEnv();
  try {
    // 1. Ingest three weeks of hourly counts of four sensors (plain objects; the schema is inferred).
    const rows = [...trafficRows({ sensors: 4, days: 21, seed: 7 })];
    const ingested = await client.ingestRows('quickstart-traffic', rows, { create: true, batchId: 'quickstart-v1' });
    console.log(`ingested: version ${ingested.version?.version}, ${ingested.version?.rowCount} rows`);

    // 2. Features: hour of day, the last hours and the same hour yesterday, per sensor; 2 hours ahead.
    const { featureSet } = await client.preprocessing.createFeatureSet({
      dataset: 'quickstart-traffic',
      spec: {
        target: 'flow',
        task: 'forecast',
        scale_target: true,
        features: [{ column: 'ts', steps: [{ datetime_parts: ['hour', 'day_of_week'] }] }],
        split: { time: { validation_start: '2026-01-20T05:00:00Z', test_start: '2026-01-23T05:00:00Z' } },
        forecast: { frequency: '1h', lags: [1, 2, 3, 24], horizon: 2, group: 'sensor_id' },
      },
    });
    const ready = await client.waitForFeatureSet(featureSet!.id);
    console.log(`features: ${ready.featureNames.length} features, ${ready.train?.rows} training examples`);

    // 3. Train a small dense network and wait, printing every epoch.
    const job = await client.trainAndWait(
      { featureSetId: ready.id, modelName: 'quickstart-forecast', model: { kind: 1, hiddenUnits: [32, 16] }, hyperparameters: { epochs: 15, batchSize: 64, learningRate: 0.003, seed: 1 } },
      { onEpoch: (e) => console.log(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}`) },
    );
    const mae = job.evaluation?.metrics.mae ?? NaN;
    const persistence = job.evaluation?.baselines.find((b) => b.name === 'persistence')?.metrics.mae ?? NaN;
    console.log(`trained: version ${job.modelVersion}, test MAE ${mae.toFixed(1)} (persistence baseline ${persistence.toFixed(1)})`);

    // 4. Promote it and predict the next two hours of sensor S02 from its last two days.
    await client.registry.setAlias('quickstart-forecast', 'production', job.modelVersion);
    const recent = rows.filter((r) => r.sensor_id === 'S02').slice(-48);
    const prediction = await client.predict({ name: 'quickstart-forecast', version: job.modelVersion }, recent);
    for (const s of prediction.forecasts) console.log(`forecast ${s.group}: ${s.values.map((v) => v.toFixed(0)).join(', ')} vehicles/hour`);
  } finally {
    client.close();
  }
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
