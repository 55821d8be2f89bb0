import { status } from '@grpc/grpc-js';
import { inference } from '@cityml/proto';
import { CityMLError, InvalidArgumentError, type AsyncService, type CallContext } from '@cityml/runtime';
import type { ModelManager } from './model-manager';
import { modelRef, type Answer, type Predictor } from './predictor';

/** Encodes an answer as a PredictResponse. */
export function encodeAnswer(a: Answer, requestId: string): inference.PredictResponse {
  const p = a.prediction;
  return {
    modelName: a.modelName,
    modelVersion: a.version,
    values: p.values ? Array.from(p.values) : [],
    labels: p.labels ?? [],
    probabilities: p.probabilities ? Array.from(p.probabilities) : [],
    classLabels: p.classLabels ?? [],
    groups: p.groups ?? [],
    forecast: p.forecast ? Array.from(p.forecast) : [],
    horizon: p.horizon ?? 0,
    requestId,
  };
}

const MAX_PIPELINED = 256;

/** The cityml.inference.v1.InferenceService handlers (thin: decode, call the predictor, encode). */
export function inferenceHandlers(predictor: Predictor, manager: ModelManager) {
  const predict = async (req: inference.PredictRequest, ctx: CallContext): Promise<inference.PredictResponse> => {
    const ref = modelRef(req.alias, req.version);
    const answer = await predictor.predict(ctx.principal.tenant, req.modelName, ref, req.rows ?? { rowCount: 0, columns: [] }, { deadline: ctx.deadline, signal: ctx.signal });
    return encodeAnswer(answer, req.requestId);
  };

  const streamEntry = async (req: inference.PredictRequest | undefined, ctx: CallContext): Promise<inference.PredictStreamResponse> => {
    try {
      if (!req) throw InvalidArgumentError.field('request', 'is required');
      return { response: await predict(req, { ...ctx, deadline: undefined }), errorCode: 0, errorMessage: '' };
    } catch (err) {
      if (err instanceof CityMLError) return { errorCode: err.code, errorMessage: err.message };
      ctx.log.error({ err }, 'stream prediction failed');
      return { errorCode: status.INTERNAL, errorMessage: 'internal error' };
    }
  };

  return {
    predict,

    /**
     * One response per request, in order; a failed request yields an entry with its error
     * code and message and the stream goes on. Requests are answered concurrently (they
     * can share batches), up to 256 ahead of the oldest unanswered one. When the server
     * drains, the answers due are sent and the stream ends.
     */
    async *predictStream(requests: AsyncIterable<inference.PredictStreamRequest>, ctx: CallContext): AsyncIterable<inference.PredictStreamResponse> {
      const pending: Promise<inference.PredictStreamResponse>[] = [];
      let done = false;
      let failure: unknown;
      let wake: (() => void) | undefined;
      let room: (() => void) | undefined;
      const draining = new Promise<'drain'>((res) => (ctx.draining.aborted ? res('drain') : ctx.draining.addEventListener('abort', () => res('drain'), { once: true })));
      const reader = (async () => {
        const it = requests[Symbol.asyncIterator]();
        try {
          for (;;) {
            // The server is draining: answer what was asked, take nothing new, end the stream.
            const next = await Promise.race([it.next(), draining]);
            if (next === 'drain') {
              void Promise.resolve(it.return?.()).catch(() => undefined);
              break;
            }
            if (next.done) break;
            pending.push(streamEntry(next.value.request, ctx));
            wake?.();
            if (pending.length >= MAX_PIPELINED) await new Promise<void>((res) => (room = res));
          }
        } catch (err) {
          failure = err;
        } finally {
          done = true;
          wake?.();
        }
      })();
      while (pending.length || !done) {
        if (pending.length) {
          const next = await (pending.shift() as Promise<inference.PredictStreamResponse>);
          room?.();
          room = undefined;
          yield next;
          continue;
        }
        await new Promise<void>((res) => (wake = res));
        wake = undefined;
      }
      await reader;
      if (failure) throw failure;
    },

    async listLoadedModels(_req: inference.ListLoadedModelsRequest, ctx: CallContext): Promise<inference.ListLoadedModelsResponse> {
      return {
        models: manager.list(ctx.principal.tenant).map(({ model, aliases }) => ({
          modelName: model.name,
          version: model.version,
          aliases,
          state: model.state,
          error: model.error ?? '',
          tensorBytes: model.tensorBytes,
          requests: model.requests,
        })),
      };
    },
  } satisfies Partial<AsyncService<typeof inference.InferenceServiceService>>;
}
