import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../errors';

/** Every CityML API key starts with this, so leaked keys are easy to scan for. */
export const API_KEY_PREFIX = 'cml_';

/** Bytes of randomness in a key's secret (256 bits). */
export const API_KEY_SECRET_BYTES = 32;

/** A tenant name: lower-case letters, digits and dashes, starting with a letter, at most 63 characters. */
export const TENANT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** A freshly generated API key: the secret (show it once) and what is stored (its hash). */
export interface GeneratedApiKey {
  /** Key id (the principal's subject), e.g. "key_3f9a0c1b2d4e5f60". Not secret. */
  id: string;
  /** The secret: `cml_` + 256 random bits, base64url. Shown once, never stored. */
  key: string;
  /** sha256 of {@link key}: the only thing the database keeps. */
  hash: Buffer;
  /** The first characters of the key, to recognise it in listings. */
  prefix: string;
}

/** sha256 of a presented key. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** A new key id. */
export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

/** Generates a key with a ≥256-bit random secret. */
export function generateApiKey(): GeneratedApiKey {
  const key = API_KEY_PREFIX + randomBytes(API_KEY_SECRET_BYTES).toString('base64url');
  return { id: newKeyId(), key, hash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6) };
}

/** Constant-time equality of two keys (compares their hashes). */
export function sameKey(a: string, b: string): boolean {
  return timingSafeEqual(hashApiKey(a), hashApiKey(b));
}

// RFC 6750: the scheme is case-insensitive; the token is a b64token.
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{1,512})$/i;

/**
 * The bearer token of a call's `authorization` metadata.
 * @throws UnauthenticatedError when it is missing, repeated or malformed.
 */
export function bearerToken(metadata: Metadata): string {
  const values = metadata.get('authorization');
  if (values.length === 0) throw new UnauthenticatedError('missing credentials: send "authorization: Bearer <api key>"');
  if (values.length > 1) throw new UnauthenticatedError('malformed credentials: more than one authorization header');
  const m = BEARER.exec(String(values[0]).trim());
  if (!m) throw new UnauthenticatedError('malformed credentials: expected "authorization: Bearer <api key>"');
  return m[1];
}
