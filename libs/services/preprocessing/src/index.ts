import type { ServiceModule, ServiceRegistration } from '@cityml/runtime';
import { preprocessing } from '@cityml/proto';
import { Datasets } from './datasets';
import { FeatureSets } from './feature-sets';
import { handlers } from './handlers';
import init from './migrations/001_init.sql';
import { Runner } from './runner';
import { FeatureSetStore } from './store';
import { ChangeHub } from './watch';

export { mapFeatureSpec, canonicalSpecBytes, type DatasetSchema, type MappedSpec } from './spec-mapping';
export { protoField, translateMlError } from './spec-validation';
export { FrameBuilder, frameFromBatch, batchColumnTypes, mlColumnType } from './rows';
export { float32Bytes, float32FromBytes, TENSOR_MEDIA_TYPE, TRANSFORM_MEDIA_TYPE } from './tensors';

/**
 * The preprocessing service: feature specs, asynchronous materialization of feature sets
 * (a queue in Postgres worked by a runner in every replica), watch streams and previews.
 * The runner starts once the server is listening (it reads datasets through this process's
 * own address when ingestion is hosted here) and resumes PENDING / RUNNING feature sets.
 */
export const preprocessingModule: ServiceModule = {
  name: 'preprocessing',
  migrations: [{ schema: 'preprocessing', migrations: [{ name: '001_init', sql: init }] }],
  create: (deps) => {
    const store = new FeatureSetStore(deps.db);
    const datasets = new Datasets(() => deps.peer('ingestion'));
    const hub = new ChangeHub(deps.db);
    const featureSets: FeatureSets = new FeatureSets(store, datasets, deps.artifacts, () => runner.wake());
    const runner = new Runner(store, (row, progress, signal) => featureSets.execute(row, progress, signal), deps.log);
    // deps.peer resolves this process's port only once the server listens: start after that.
    const started = setInterval(() => {
      if (/:0$/.test(deps.peer('ingestion').address)) return;
      clearInterval(started);
      runner.start();
    }, 50);
    return {
      fullName: 'cityml.preprocessing.v1.PreprocessingService',
      definition: preprocessing.PreprocessingServiceService,
      implementation: handlers(featureSets, datasets, hub) as unknown as ServiceRegistration['implementation'],
      async close() {
        clearInterval(started);
        await runner.close();
        await hub.close();
        datasets.close();
      },
    };
  },
};
