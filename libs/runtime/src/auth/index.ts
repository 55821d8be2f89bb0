/**
 * Authentication and authorization: API keys, the key-check cache, the role table,
 * rate and size limits.
 * @packageDocumentation
 */
export * from './keys';
export * from './roles';
export * from './authenticator';
export * from './rate-limit';
export * from './limits';
export * from './role-table';
