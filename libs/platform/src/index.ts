export * from './host';
export * from './main';
