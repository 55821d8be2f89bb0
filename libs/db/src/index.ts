export * from './pool';
export * from './embedded';
export * from './migrate';
export * from './notify';
export * from './artifacts';
export * from './queue';
