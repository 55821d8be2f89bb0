/**
 * High-level helpers over the service clients: ingest a CSV file or plain row objects,
 * wait for a feature set, train and wait, predict from plain objects. Each is also a
 * method of {@link CityML} (e.g. `client.ingestCsv(file, dataset)`).
 * @packageDocumentation
 */
// toRowBatch and parseModelRef of ./rows and ./predict are not re-exported: the inference
// client exports its own under those names.
export { schemaOfRows, rowsToCsv, type PlainRow, type PlainValue } from './rows';
export * from './ingest';
export * from './wait';
export { predict, plainPrediction, type ModelSelector, type PlainPrediction, type ForecastSeries } from './predict';
export type { CityMLHelpers } from './methods';
