/**
 * Deterministic synthetic city data for demos, tests and benchmarks: traffic counts,
 * air quality and 311 service requests. The same seed always gives the same rows.
 */
export * from './traffic';
export * from './air';
export * from './requests311';
export * from './csv';
