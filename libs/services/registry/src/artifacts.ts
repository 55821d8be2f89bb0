import { createHash } from 'node:crypto';
import { ArtifactIntegrityError, ArtifactNotFoundError, type ArtifactStore } from '@cityml/db';
import type { registry } from '@cityml/proto';
import { InvalidArgumentError, NotFoundError } from '@cityml/runtime';

const SHA256 = /^[0-9a-f]{64}$/;
/** Chunks sent by DownloadArtifact are at most this big (well under gRPC's 4 MiB default). */
export const DOWNLOAD_CHUNK = 1024 * 1024;

function expectedSha(sha: string, field: string): string {
  const s = sha.toLowerCase();
  if (!SHA256.test(s)) throw InvalidArgumentError.field(field, 'must be a sha256 in hex (64 characters)');
  return s;
}

/**
 * Stores an uploaded artifact: a header first, then chunks, optionally a trailer. The
 * expected sha256 (header or trailer) and size must match what arrived, or nothing is
 * stored. INVALID_ARGUMENT (missing header or sha256, mismatch), CANCELLED.
 */
export async function upload(store: ArtifactStore, tenant: string, requests: AsyncIterable<registry.UploadArtifactRequest>): Promise<registry.UploadArtifactResponse> {
  const it = requests[Symbol.asyncIterator]();
  const first = await it.next();
  const header = first.done ? undefined : first.value.header;
  if (!header) throw InvalidArgumentError.field('header', 'the first message of an upload must be its header');
  if (header.size < 0) throw InvalidArgumentError.field('header.size', 'must not be negative');
  const headerSha = header.sha256 ? expectedSha(header.sha256, 'header.sha256') : undefined;
  const hash = createHash('sha256');
  let received = 0;
  let trailer: registry.UploadArtifactTrailer | undefined;
  async function* chunks(): AsyncIterable<Uint8Array> {
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      const m = next.value;
      if (m.header) throw InvalidArgumentError.field('header', 'only the first message may be a header');
      if (trailer) throw InvalidArgumentError.field('trailer', 'must be the last message');
      if (m.trailer) {
        trailer = m.trailer;
        continue;
      }
      if (m.chunk?.length) {
        hash.update(m.chunk);
        received += m.chunk.length;
        yield m.chunk;
      }
    }
    // Checked here, before the store commits: a mismatch rolls the whole upload back.
    const actual = hash.digest('hex');
    const wanted = [headerSha, trailer?.sha256 ? expectedSha(trailer.sha256, 'trailer.sha256') : undefined].filter(Boolean);
    if (!wanted.length) throw InvalidArgumentError.field('header.sha256', 'an upload needs its sha256, in the header or the trailer');
    for (const w of wanted) if (w !== actual) throw new ArtifactIntegrityError(`sha256 mismatch: expected ${w}, received ${actual}`);
    for (const size of [header!.size || undefined, trailer?.size || undefined]) {
      if (size !== undefined && size !== received) throw new ArtifactIntegrityError(`size mismatch: expected ${size} bytes, received ${received}`);
    }
  }
  try {
    const info = await store.put(tenant, chunks(), { sha256: headerSha, size: header.size || undefined, mediaType: header.mediaType || undefined });
    return { artifactId: info.id, size: info.size, sha256: info.id };
  } catch (err) {
    if (err instanceof ArtifactIntegrityError) throw new InvalidArgumentError(`upload rejected, nothing stored: ${err.message}`, [{ field: 'chunk', reason: err.message }]);
    throw err;
  }
}

/** Streams an artifact in chunks of at most 1 MiB with offsets. NOT_FOUND. */
export async function* download(store: ArtifactStore, tenant: string, artifactId: string): AsyncIterable<registry.DownloadArtifactResponse> {
  let total: number;
  try {
    total = (await store.stat(tenant, artifactId)).size;
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) throw new NotFoundError(`artifact ${JSON.stringify(artifactId)} not found`);
    throw err;
  }
  let offset = 0;
  for await (const part of store.get(tenant, artifactId)) {
    for (let i = 0; i < part.length; i += DOWNLOAD_CHUNK) {
      const chunk = part.subarray(i, i + DOWNLOAD_CHUNK);
      yield { chunk, offset, totalSize: total };
      offset += chunk.length;
    }
  }
  if (total === 0) yield { chunk: Buffer.alloc(0), offset: 0, totalSize: 0 };
}

/** Reads a whole artifact. NOT_FOUND (named by `field`). */
export async function readArtifact(store: ArtifactStore, tenant: string, id: string, field: string): Promise<Buffer> {
  try {
    return await store.getBuffer(tenant, id);
  } catch (err) {
    if (err instanceof ArtifactNotFoundError) throw new NotFoundError(`${field}: artifact ${JSON.stringify(id)} not found`);
    throw err;
  }
}
