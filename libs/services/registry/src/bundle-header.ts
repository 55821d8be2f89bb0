import type { ArtifactStore } from '@cityml/db';
import { BUNDLE_FORMAT, type BundleSignature } from '@cityml/ml/bundle';
import { registry } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';

const MAGIC = Buffer.from('CMLB');
/** Bundle headers (topology and transform JSON) larger than this are refused. */
const MAX_HEADER = 64 * 1024 * 1024;

/** What the registry reads from a bundle without loading its weights. */
export interface BundleHeader {
  format: string;
  signature?: BundleSignature;
}

/**
 * Reads the header of a stored model bundle (`encodeBundle` output: "CMLB", u32 length,
 * JSON header, weights), streaming only as many chunks as the header needs.
 * INVALID_ARGUMENT (field artifact_id) when the artifact is not a bundle of a known format.
 */
export async function readBundleHeader(store: ArtifactStore, tenant: string, id: string): Promise<BundleHeader> {
  const notBundle = (why: string) => InvalidArgumentError.field('artifact_id', `not a CityML model bundle (${why}); write it with encodeBundle`);
  let buf = Buffer.alloc(0);
  let need = 8;
  for await (const chunk of store.get(tenant, id)) {
    buf = Buffer.concat([buf, chunk]);
    if (buf.length >= 8 && need === 8) {
      if (!buf.subarray(0, 4).equals(MAGIC)) throw notBundle('wrong magic');
      const len = buf.readUInt32LE(4);
      if (len > MAX_HEADER) throw notBundle('header too large');
      need = 8 + len;
    }
    if (buf.length >= need && need > 8) break;
  }
  if (buf.length < 8 || buf.length < need) throw notBundle('truncated');
  let header: { format?: unknown; signature?: BundleSignature };
  try {
    header = JSON.parse(buf.subarray(8, need).toString('utf8'));
  } catch {
    throw notBundle('corrupt header');
  }
  if (header.format !== BUNDLE_FORMAT) throw notBundle(`unknown format ${JSON.stringify(header.format)}`);
  return { format: header.format, signature: header.signature };
}

const KINDS = {
  regression: registry.OutputKind.OUTPUT_KIND_REGRESSION,
  classification: registry.OutputKind.OUTPUT_KIND_CLASSIFICATION,
  forecast: registry.OutputKind.OUTPUT_KIND_FORECAST,
} as const;

/** A bundle's signature as a registry.v1.Signature. */
export function signatureToProto(s: BundleSignature): registry.Signature {
  return registry.Signature.fromPartial({
    inputs: s.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape })),
    outputKind: KINDS[s.outputKind] ?? registry.OutputKind.OUTPUT_KIND_UNSPECIFIED,
    classLabels: s.classLabels ?? [],
    horizon: s.horizon ?? 0,
    inputColumns: s.inputColumns ?? [],
    target: s.target ?? '',
  });
}
