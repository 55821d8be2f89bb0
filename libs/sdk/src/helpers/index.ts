/**
 * High-level helpers over the service clients: ingest a CSV file or plain row objects,
 * wait for a feature set, train and wait, predict from plain objects. Each is also a
 * method of {@link CityML} (e.g. `client.ingestCsv(file, dataset)`).
 * @packageDocumentation
 */
export * from './rows';
export * from './ingest';
export * from './wait';
export * from './predict';
export type { CityMLHelpers } from './methods';
