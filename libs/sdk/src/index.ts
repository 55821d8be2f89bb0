/**
 * @cityml/sdk: typed clients of every CityML service.
 * @packageDocumentation
 */
export * from './core';
export * from './cityml';
export * from './ingestion';
export * from './preprocessing';
export * from './training';
export * from './registry';
export * from './inference';
export * from './admin';
export * from './helpers';
