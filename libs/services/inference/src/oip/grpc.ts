import { oip } from '@cityml/proto';
import { InvalidArgumentError, type AsyncService, type CallContext } from '@cityml/runtime';
import type { ModelManager } from '../model-manager';
import type { Predictor } from '../predictor';
import { columnDatatype, inputsFromTensors, oipRef, outputSpecs, outputTensors, type Tensor } from './tensors';

/** Server name and version reported by ServerMetadata. */
export const SERVER_NAME = 'cityml-inference';
export const SERVER_VERSION = '0.1.0';

const ELEMENT_BYTES: Record<string, number> = { BOOL: 1, INT8: 1, UINT8: 1, INT16: 2, UINT16: 2, INT32: 4, UINT32: 4, FP32: 4, INT64: 8, UINT64: 8, FP64: 8 };

function contentsOf(t: oip.ModelInferRequest_InferInputTensor): Tensor['data'] {
  const c = t.contents;
  if (!c) return [];
  switch (t.datatype.toUpperCase()) {
    case 'FP32':
      return c.fp32Contents;
    case 'FP64':
      return c.fp64Contents;
    case 'INT64':
      return c.int64Contents;
    case 'INT8':
    case 'INT16':
    case 'INT32':
      return c.intContents;
    case 'UINT64':
      return c.uint64Contents;
    case 'UINT8':
    case 'UINT16':
    case 'UINT32':
      return c.uintContents;
    case 'BOOL':
      return c.boolContents;
    case 'BYTES':
      return c.bytesContents.map((b) => Buffer.from(b).toString('utf8'));
    default:
      throw InvalidArgumentError.field(`inputs.${t.name}.datatype`, `unsupported datatype ${t.datatype}`);
  }
}

/** Decodes one raw_input_contents entry (little-endian, row-major; BYTES: u32 length + bytes each). */
export function decodeRaw(name: string, datatype: string, raw: Uint8Array): Tensor['data'] {
  const dt = datatype.toUpperCase();
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dt === 'BYTES') {
    const out: string[] = [];
    for (let at = 0; at < buf.length; ) {
      if (at + 4 > buf.length) throw InvalidArgumentError.field(`raw_input_contents.${name}`, 'truncated BYTES element');
      const len = buf.readUInt32LE(at);
      if (at + 4 + len > buf.length) throw InvalidArgumentError.field(`raw_input_contents.${name}`, 'truncated BYTES element');
      out.push(buf.toString('utf8', at + 4, at + 4 + len));
      at += 4 + len;
    }
    return out;
  }
  const size = ELEMENT_BYTES[dt];
  if (!size) throw InvalidArgumentError.field(`inputs.${name}.datatype`, `unsupported datatype ${datatype}`);
  if (buf.length % size !== 0) throw InvalidArgumentError.field(`raw_input_contents.${name}`, `${buf.length} bytes is not a whole number of ${dt} values`);
  const n = buf.length / size;
  const out = new Array<number | boolean>(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    out[i] =
      dt === 'FP32' ? buf.readFloatLE(o)
      : dt === 'FP64' ? buf.readDoubleLE(o)
      : dt === 'INT64' ? Number(buf.readBigInt64LE(o))
      : dt === 'UINT64' ? Number(buf.readBigUInt64LE(o))
      : dt === 'INT32' ? buf.readInt32LE(o)
      : dt === 'UINT32' ? buf.readUInt32LE(o)
      : dt === 'INT16' ? buf.readInt16LE(o)
      : dt === 'UINT16' ? buf.readUInt16LE(o)
      : dt === 'INT8' ? buf.readInt8(o)
      : dt === 'BOOL' ? buf[o] !== 0
      : buf[o];
  }
  return out;
}

/** The request's input tensors, from `contents` or from `raw_input_contents`. */
export function requestTensors(req: oip.ModelInferRequest): Tensor[] {
  const raw = req.rawInputContents ?? [];
  if (raw.length && raw.length !== req.inputs.length) throw InvalidArgumentError.field('raw_input_contents', `has ${raw.length} entries for ${req.inputs.length} inputs`);
  return req.inputs.map((t, i) => ({
    name: t.name,
    datatype: t.datatype,
    shape: t.shape.map(Number),
    data: raw.length ? decodeRaw(t.name, t.datatype, raw[i]) : contentsOf(t),
  }));
}

function encodeRaw(t: Tensor): Buffer {
  if (t.datatype === 'BYTES') {
    return Buffer.concat(Array.from(t.data as ArrayLike<string>, (s) => {
      const b = Buffer.from(String(s), 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      return Buffer.concat([len, b]);
    }));
  }
  const f = Float64Array.from(t.data as ArrayLike<number>);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

function encodeOutput(t: Tensor, raw: boolean): oip.ModelInferResponse_InferOutputTensor {
  const base = { name: t.name, datatype: t.datatype, shape: t.shape, parameters: {} };
  if (raw) return base;
  const contents: oip.InferTensorContents = { boolContents: [], intContents: [], int64Contents: [], uintContents: [], uint64Contents: [], fp32Contents: [], fp64Contents: [], bytesContents: [] };
  if (t.datatype === 'BYTES') contents.bytesContents = Array.from(t.data as ArrayLike<string>, (s) => Buffer.from(String(s), 'utf8'));
  else contents.fp64Contents = Array.from(t.data as ArrayLike<number>);
  return { ...base, contents };
}

/**
 * The Open Inference Protocol handlers (inference.GRPCInferenceService). ModelInfer takes
 * raw feature columns as named input tensors (FP32, FP64, INT*, UINT*, BOOL, BYTES), in
 * `contents` or `raw_input_contents` (then the outputs come in `raw_output_contents`);
 * model_version is a version number or an alias ('' = production).
 * Errors: NOT_FOUND, INVALID_ARGUMENT naming the input and row, UNAVAILABLE, DEADLINE_EXCEEDED.
 */
export function oipHandlers(predictor: Predictor, manager: ModelManager, ready: () => boolean) {
  return {
    async serverLive(): Promise<oip.ServerLiveResponse> {
      return { live: true };
    },
    async serverReady(): Promise<oip.ServerReadyResponse> {
      return { ready: ready() };
    },
    async modelReady(req: oip.ModelReadyRequest, ctx: CallContext): Promise<oip.ModelReadyResponse> {
      return { ready: manager.isReady(ctx.principal.tenant, req.name, oipRef(req.version)) };
    },
    async serverMetadata(): Promise<oip.ServerMetadataResponse> {
      return { name: SERVER_NAME, version: SERVER_VERSION, extensions: [] };
    },
    async modelMetadata(req: oip.ModelMetadataRequest, ctx: CallContext): Promise<oip.ModelMetadataResponse> {
      return modelMetadata(predictor, ctx.principal.tenant, req.name, req.version, { deadline: ctx.deadline, signal: ctx.signal });
    },
    async modelInfer(req: oip.ModelInferRequest, ctx: CallContext): Promise<oip.ModelInferResponse> {
      const tensors = requestTensors(req);
      const answer = await predictor.predict(ctx.principal.tenant, req.modelName, oipRef(req.modelVersion), (s) => inputsFromTensors(s, tensors), { deadline: ctx.deadline, signal: ctx.signal });
      const outputs = outputTensors(answer.prediction, req.outputs.map((o) => o.name));
      const raw = (req.rawInputContents ?? []).length > 0;
      return {
        modelName: answer.modelName,
        modelVersion: String(answer.version),
        id: req.id,
        parameters: {},
        outputs: outputs.map((t) => encodeOutput(t, raw)),
        rawOutputContents: raw ? outputs.map(encodeRaw) : [],
      };
    },
  } satisfies Partial<AsyncService<typeof oip.GRPCInferenceServiceService>>;
}

/** ModelMetadata of the version `version` names (loading it if needed). */
export async function modelMetadata(predictor: Predictor, tenant: string, name: string, version: string, wait: { deadline?: Date; signal?: AbortSignal }): Promise<oip.ModelMetadataResponse> {
  const { version: v, servable, columns } = await predictor.columns(tenant, name, oipRef(version), wait);
  return {
    name,
    versions: [String(v)],
    platform: 'cityml_tfjs',
    inputs: columns.map((c) => ({ name: c.name, datatype: columnDatatype(c), shape: [-1] })),
    outputs: outputSpecs(servable),
  };
}
