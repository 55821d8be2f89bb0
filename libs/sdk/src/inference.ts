import { Metadata } from '@grpc/grpc-js';
import { common, inference, oip } from '@cityml/proto';
import { callOptions, createClient, serverStream, toClientError, unary, type ConnectionOptions } from './core';
import { parseModelRef, type ModelSelector } from './helpers/predict';
import { toRowBatch, type PlainRow } from './helpers/rows';

/** A prediction answer: regression values, class labels and probabilities, or forecasts per group. */
export type PredictResponse = inference.PredictResponse;
/** One answer of a PredictStream: a response, or an error code and message for that request. */
export type PredictStreamResponse = inference.PredictStreamResponse;
/** A model version held by the inference service, with its state and tensor memory. */
export type LoadedModel = inference.LoadedModel;

/** Raw rows: a RowBatch, or plain objects (column name → value; typed as {@link toRowBatch} does). */
export type Rows = common.RowBatch | readonly PlainRow[];

/** Options of {@link InferenceClient.predict}. */
export interface PredictOptions {
  /** Deadline in milliseconds (default: the connection's). */
  deadlineMs?: number;
  requestId?: string;
}

/**
 * A model reference: a {@link ModelSelector}, or text: `NAME`, `NAME@ALIAS`, `NAME@VERSION`
 * or `NAME:VERSION` (neither alias nor version: `production`).
 */
export function modelSelector(ref: string | ModelSelector): ModelSelector {
  if (typeof ref !== 'string') return ref;
  const m = /^([^@:\s]+):(\d+)$/.exec(ref.trim());
  return m ? { name: m[1], version: Number(m[2]) } : parseModelRef(ref.trim());
}

function rowsOf(rows: Rows): common.RowBatch {
  return Array.isArray(rows) ? toRowBatch(rows as readonly PlainRow[]) : (rows as common.RowBatch);
}

function request(model: ModelSelector | string, rows: Rows, options: PredictOptions = {}): inference.PredictRequest {
  const ref = modelSelector(model);
  return inference.PredictRequest.fromPartial({ modelName: ref.name, alias: ref.alias ?? '', version: ref.version ?? 0, rows: rowsOf(rows), requestId: options.requestId ?? '' });
}

/**
 * Typed client of the inference service (cityml.inference.v1.InferenceService), plus the
 * Open Inference Protocol's gRPC service (inference.GRPCInferenceService) on the same
 * connection. Every method rejects with a CityMLClientError carrying the status code.
 */
export class InferenceClient {
  /** The generated grpc-js client, for calls this class does not wrap. */
  readonly raw: inference.InferenceServiceClient;
  /** The generated Open Inference Protocol client. */
  readonly oip: oip.GRPCInferenceServiceClient;

  constructor(readonly options: ConnectionOptions) {
    this.raw = createClient(inference.InferenceServiceClient, options);
    this.oip = createClient(oip.GRPCInferenceServiceClient, options);
  }

  /**
   * Predicts from raw rows. `model` is a {@link ModelSelector} or `NAME[@ALIAS|:VERSION]`.
   * NOT_FOUND (model, version, alias), INVALID_ARGUMENT (naming the column and row),
   * UNAVAILABLE (the model failed to load), DEADLINE_EXCEEDED.
   */
  predict(model: ModelSelector | string, rows: Rows, options: PredictOptions = {}): Promise<PredictResponse> {
    return unary(this.raw.predict.bind(this.raw), request(model, rows, options), callOptions(this.options, options.deadlineMs));
  }

  /**
   * A continuous feed: one answer per request, in order; a failed request yields an entry
   * with errorCode / errorMessage and the stream goes on.
   */
  async *predictStream(requests: AsyncIterable<{ model: ModelSelector | string; rows: Rows; options?: PredictOptions }> | Iterable<{ model: ModelSelector | string; rows: Rows; options?: PredictOptions }>): AsyncIterable<PredictStreamResponse> {
    const call = this.raw.predictStream(new Metadata());
    const writer = (async () => {
      for await (const r of requests) call.write({ request: request(r.model, r.rows, r.options) });
      call.end();
    })();
    writer.catch(() => call.cancel());
    try {
      yield* serverStream<PredictStreamResponse>(call);
    } finally {
      await writer.catch((err) => {
        throw toClientError(err);
      });
    }
  }

  /** The model versions this server holds, with state, aliases, tensor bytes and request counts. */
  async listLoadedModels(): Promise<LoadedModel[]> {
    return (await unary(this.raw.listLoadedModels.bind(this.raw), {}, callOptions(this.options))).models;
  }

  /** Open Inference Protocol ModelInfer. model_version: a version number, an alias, or '' (production). */
  modelInfer(req: Partial<oip.ModelInferRequest> & { modelName: string }, deadlineMs?: number): Promise<oip.ModelInferResponse> {
    return unary(this.oip.modelInfer.bind(this.oip), oip.ModelInferRequest.fromPartial(req), callOptions(this.options, deadlineMs));
  }

  /** Open Inference Protocol ModelMetadata (loads the model). NOT_FOUND. */
  modelMetadata(name: string, version = ''): Promise<oip.ModelMetadataResponse> {
    return unary(this.oip.modelMetadata.bind(this.oip), { name, version }, callOptions(this.options));
  }

  /** True when the server has loaded its preloaded models. */
  async serverReady(): Promise<boolean> {
    return (await unary(this.oip.serverReady.bind(this.oip), {}, callOptions(this.options))).ready;
  }

  close(): void {
    this.raw.close();
    this.oip.close();
  }
}
