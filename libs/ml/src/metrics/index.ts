export * from './regression';
export * from './classification';
export * from './forecast';
export * from './evaluate';
export * from './baselines';
export * from './primary';
