// Train a PM2.5 forecaster per air-quality station on the dataset ingest-and-stats.ts made,
// compare it with the baselines and promote it to production when it beats them.
//   node tools/run-ts.mjs examples/train-forecast.ts
import { connectFromEnv } from './connect';

async function main(): Promise<void> {
  const client = connectFromEnv();
  try {
    const { featureSet, created } = await client.preprocessing.createFeatureSet({
      dataset: 'air-quality',
      version: 1,
      spec: {
        target: 'pm25',
        task: 'forecast',
        scale_target: true,
        features: [
          { column: 'ts', steps: [{ datetime_parts: ['hour', 'day_of_week'] }] },
          { column: 'wind_ms', steps: [{ impute: 'mean' }, 'standardize'] },
        ],
        split: { time: { validation_start: '2026-01-27T05:00:00Z', test_start: '2026-01-31T05:00:00Z' } },
        forecast: { frequency: '1h', fill: 'linear', lags: [1, 2, 3, 6, 24], windows: [{ size: 6, function: 'mean' }], horizon: 3, group: 'station', seasonality: 24 },
      },
    });
    console.log(`feature set ${featureSet!.id} (${created ? 'new' : 'already made'})`);
    const ready = await client.waitForFeatureSet(featureSet!.id, {
      onProgress: (fs) => process.stderr.write(`\r  materializing ${Math.round(fs.progress * 100)}%`),
    });
    process.stderr.write('\n');
    console.log(`features: ${ready.featureNames.join(', ')}`);

    const job = await client.trainAndWait(
      {
        featureSetId: ready.id,
        modelName: 'air-pm25',
        model: { kind: 1, hiddenUnits: [32, 16], activation: 'relu' },
        hyperparameters: { epochs: 10, batchSize: 128, learningRate: 0.003, earlyStoppingPatience: 3, seed: 3 },
      },
      { onEpoch: (e, j) => console.log(`  epoch ${e.epoch}/${j.totalEpochs}: loss ${e.loss.toFixed(4)}, val_loss ${e.valLoss.toFixed(4)}`) },
    );
    const ev = job.evaluation!;
    console.log(`model        mae ${ev.metrics.mae.toFixed(2)}  rmse ${ev.metrics.rmse.toFixed(2)}`);
    for (const b of ev.baselines) console.log(`${b.name.padEnd(12)} mae ${b.metrics.mae.toFixed(2)}  rmse ${b.metrics.rmse.toFixed(2)}`);
    const beatsAll = ev.baselines.every((b) => ev.metrics.mae < b.metrics.mae);
    if (beatsAll) {
      await client.registry.setAlias('air-pm25', 'production', job.modelVersion);
      console.log(`promoted air-pm25 version ${job.modelVersion} to production`);
    } else {
      console.log(`air-pm25 version ${job.modelVersion} does not beat every baseline: not promoted`);
    }
  } finally {
    client.close();
  }
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
