import { createHash } from 'node:crypto';
import type { Db } from './pool';
import type { SchemaMigrations } from './migrate';
import init from './migrations/artifacts_001_init.sql';

/** Migrations of the `artifacts` schema. */
export const artifactMigrations: SchemaMigrations = { schema: 'artifacts', migrations: [{ name: '001_init', sql: init }] };

/** Metadata of a stored blob. */
export interface BlobInfo {
  id: string;
  size: number;
  mediaType: string;
}

/** The expected sha256 or size of an upload did not match what was received. */
export class ArtifactIntegrityError extends Error {}

/** A blob id that does not exist for the tenant. */
export class ArtifactNotFoundError extends Error {}

/**
 * A content-addressed blob store, like an object-store bucket: ids are sha256 (hex),
 * writes and reads stream in chunks. The Postgres implementation below is the
 * default; an object store can stand behind the same interface.
 */
export interface ArtifactStore {
  put(tenant: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: { sha256?: string; size?: number; mediaType?: string }): Promise<BlobInfo>;
  get(tenant: string, id: string): AsyncIterable<Buffer>;
  stat(tenant: string, id: string): Promise<BlobInfo>;
  getBuffer(tenant: string, id: string): Promise<Buffer>;
}

const CHUNK = 1024 * 1024;
const ID = /^[0-9a-f]{64}$/;

/** Re-chunks a byte stream into pieces of at most `size` bytes. */
async function* rechunk(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const part of source) {
    let buf = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    while (length + buf.length >= size) {
      const take = size - length;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending);
      buf = buf.subarray(take);
      pending = [];
      length = 0;
    }
    if (buf.length) {
      pending.push(Buffer.from(buf)); // copy: callers may reuse their buffers
      length += buf.length;
    }
  }
  if (length) yield Buffer.concat(pending);
}

/** {@link ArtifactStore} over the `artifacts` schema in Postgres, in 1 MiB chunks. */
export class PostgresArtifactStore implements ArtifactStore {
  constructor(private readonly db: Db) {}

  /**
   * Streams `source` into a new blob in one transaction; nothing is stored when the
   * expected sha256 or size does not match ({@link ArtifactIntegrityError}). Storing
   * content that already exists returns the existing blob.
   */
  async put(tenant: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { sha256?: string; size?: number; mediaType?: string } = {}): Promise<BlobInfo> {
    const staging = `staging-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const hash = createHash('sha256');
    let size = 0;
    let seq = 0;
    return this.db.begin(async (tx) => {
      for await (const chunk of rechunk(source, CHUNK)) {
        hash.update(chunk);
        size += chunk.length;
        await tx`insert into artifacts.chunks (tenant, blob_id, seq, data) values (${tenant}, ${staging}, ${seq++}, ${chunk})`;
      }
      const id = hash.digest('hex');
      if (options.sha256 && options.sha256.toLowerCase() !== id) throw new ArtifactIntegrityError(`sha256 mismatch: expected ${options.sha256}, received ${id}`);
      if (options.size !== undefined && options.size !== size) throw new ArtifactIntegrityError(`size mismatch: expected ${options.size} bytes, received ${size}`);
      const mediaType = options.mediaType ?? 'application/octet-stream';
      const inserted = await tx`insert into artifacts.blobs (tenant, id, size, media_type, chunk_count)
        values (${tenant}, ${id}, ${size}, ${mediaType}, ${seq}) on conflict do nothing returning id`;
      if (inserted.length) await tx`update artifacts.chunks set blob_id = ${id} where tenant = ${tenant} and blob_id = ${staging}`;
      else await tx`delete from artifacts.chunks where tenant = ${tenant} and blob_id = ${staging}`;
      return { id, size, mediaType };
    }) as Promise<BlobInfo>;
  }

  async stat(tenant: string, id: string): Promise<BlobInfo> {
    if (!ID.test(id)) throw new ArtifactNotFoundError(`artifact ${id} not found`);
    const [row] = await this.db<{ id: string; size: number; media_type: string }[]>`select id, size, media_type from artifacts.blobs where tenant = ${tenant} and id = ${id}`;
    if (!row) throw new ArtifactNotFoundError(`artifact ${id} not found`);
    return { id: row.id, size: Number(row.size), mediaType: row.media_type };
  }

  /** Streams a blob chunk by chunk (one chunk in memory at a time). */
  async *get(tenant: string, id: string): AsyncIterable<Buffer> {
    const info = await this.stat(tenant, id);
    const count = Math.ceil(info.size / CHUNK);
    for (let seq = 0; seq < count; seq++) {
      const [row] = await this.db<{ data: Buffer }[]>`select data from artifacts.chunks where tenant = ${tenant} and blob_id = ${id} and seq = ${seq}`;
      if (!row) throw new Error(`artifact ${id} is missing chunk ${seq}`);
      yield row.data;
    }
  }

  async getBuffer(tenant: string, id: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const p of this.get(tenant, id)) parts.push(p);
    return Buffer.concat(parts);
  }
}
