import { endianness } from 'node:os';
import type { ArtifactStore } from '@cityml/db';

/** Media type of a stored tensor: float32, little endian, row major, no header. */
export const TENSOR_MEDIA_TYPE = 'application/vnd.cityml.tensor+f32le';
/** Media type of a stored fitted transform (libs/ml `serializeTransform` JSON). */
export const TRANSFORM_MEDIA_TYPE = 'application/vnd.cityml.transform+json';

const LITTLE = endianness() === 'LE';

/** The little-endian bytes of a float32 array (a view on little-endian machines). */
export function float32Bytes(a: Float32Array): Uint8Array {
  if (LITTLE) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i], true);
  return out;
}

/** A float32 array from little-endian bytes (copied, so any byte offset works). */
export function float32FromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`a float32 tensor cannot be ${bytes.byteLength} bytes`);
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Stores float32 pieces as one tensor artifact (streamed, not concatenated); returns its id. */
export async function putTensor(artifacts: ArtifactStore, tenant: string, pieces: readonly Float32Array[]): Promise<string> {
  const size = pieces.reduce((s, p) => s + p.byteLength, 0);
  const info = await artifacts.put(tenant, pieces.map(float32Bytes), { size, mediaType: TENSOR_MEDIA_TYPE });
  return info.id;
}
