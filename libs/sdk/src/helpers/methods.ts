import type { ingestion, preprocessing, training } from '@cityml/proto';
import type { CityML } from '../cityml';
import { ingestCsv, ingestRows, type IngestHelperOptions } from './ingest';
import type { PredictOptions } from '../inference';
import { predict, type ModelSelector, type PlainPrediction } from './predict';
import type { PlainRow } from './rows';
import type { SubmitJobInput } from '../training';
import { trainAndWait, waitForFeatureSet, type TrainCallbacks, type WaitOptions } from './wait';

/** The high-level helpers as methods of {@link CityML} (each calls the function of the same name with this client). */
export interface CityMLHelpers {
  /** {@link ingestCsv}: a CSV file into `dataset` as one new version. */
  ingestCsv(file: string, dataset: string, options?: IngestHelperOptions): Promise<ingestion.IngestRowsResponse>;
  /** {@link ingestRows}: plain row objects into `dataset` as one new version. */
  ingestRows(dataset: string, rows: AsyncIterable<PlainRow> | Iterable<PlainRow>, options?: IngestHelperOptions): Promise<ingestion.IngestRowsResponse>;
  /** {@link waitForFeatureSet}: waits until a feature set is READY. */
  waitForFeatureSet(id: string, options?: WaitOptions & { onProgress?: (featureSet: preprocessing.FeatureSet, message: string) => void }): Promise<preprocessing.FeatureSet>;
  /** {@link trainAndWait}: submits a training job and waits for it to end. */
  trainAndWait(request: SubmitJobInput, options?: WaitOptions & TrainCallbacks): Promise<training.Job>;
  /** {@link predict}: predictions from plain row objects. */
  predict(model: string | ModelSelector | { modelName: string; alias?: string; version?: number }, rows: readonly PlainRow[], options?: PredictOptions): Promise<PlainPrediction>;
}

declare module '../cityml' {
  /** The client's helper methods: see {@link CityMLHelpers}. */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface CityML extends CityMLHelpers {}
}

/** Adds the {@link CityMLHelpers} methods to the CityML class (called once by cityml.ts). */
export function installHelpers(cls: { prototype: object }): void {
  const methods: { [K in keyof CityMLHelpers]: (this: CityML, ...args: Parameters<CityMLHelpers[K]>) => ReturnType<CityMLHelpers[K]> } = {
    ingestCsv(...a) {
      return ingestCsv(this, ...a);
    },
    ingestRows(...a) {
      return ingestRows(this, ...a);
    },
    waitForFeatureSet(...a) {
      return waitForFeatureSet(this, ...a);
    },
    trainAndWait(...a) {
      return trainAndWait(this, ...a);
    },
    predict(...a) {
      return predict(this, ...a);
    },
  };
  Object.assign(cls.prototype, methods);
}
