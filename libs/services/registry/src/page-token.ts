import { InvalidArgumentError } from '@cityml/runtime';

/** Default and largest page sizes of the List* calls. */
export const PAGE = { default: 50, max: 500 } as const;

/** Clamps a requested page size (0 = default). INVALID_ARGUMENT when negative. */
export function pageSize(requested: number): number {
  if (requested < 0) throw InvalidArgumentError.field('page_size', 'must not be negative');
  return Math.min(requested || PAGE.default, PAGE.max);
}

/**
 * Encodes a page position as an opaque token. The token is bound to `kind`, so a
 * token of one list cannot be replayed against another.
 */
export function encodePageToken(kind: string, position: string | number): string {
  return Buffer.from(JSON.stringify({ k: kind, p: position })).toString('base64url');
}

/** Decodes {@link encodePageToken} output ('' = first page). INVALID_ARGUMENT on a bad token. */
export function decodePageToken<T extends string | number>(kind: string, token: string, type: 'string' | 'number'): T | undefined {
  if (!token) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: string; p?: unknown };
    if (parsed.k === kind && typeof parsed.p === type) return parsed.p as T;
  } catch {
    // fall through
  }
  throw InvalidArgumentError.field('page_token', 'not a page token of this list');
}
