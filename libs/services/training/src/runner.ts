import { JobAbortedError, PermanentJobError, type ArtifactStore, type JobContext, type QueueJob } from '@cityml/db';
import { BUNDLE_FORMAT } from '@cityml/ml/bundle';
import { evaluation as ev, preprocessing, registry, training } from '@cityml/proto';
import { NotFoundError, type Logger } from '@cityml/runtime';
import { deserializeTransform, signatureFor } from '@cityml/ml';
import { bless } from './blessing';
import type { Peers, ProductionVersion } from './peers';
import { storedSpec } from './spec';
import type { JobRecord, JobStore } from './store';
import { ioOf } from './feature-io';
import type { SplitData } from './train/types';
import { TrainingFailure, TrainingWorker } from './worker-host';

const toArrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;

/** Runs claimed training jobs: the main-thread half (I/O, checkpoints, registry); the math runs in a worker thread. */
export class JobRunner {
  constructor(
    private readonly store: JobStore,
    private readonly artifacts: ArtifactStore,
    private readonly peers: Peers,
    private readonly log: Logger,
  ) {}

  private async download(tenant: string, id: string): Promise<ArrayBuffer> {
    return toArrayBuffer(await this.artifacts.getBuffer(tenant, id));
  }

  private async split(tenant: string, s: preprocessing.SplitTensors | undefined, name: string): Promise<SplitData> {
    if (!s?.xArtifactId || !s.yArtifactId) throw new PermanentJobError(`the feature set has no ${name} tensors`);
    const [x, y] = await Promise.all([this.download(tenant, s.xArtifactId), this.download(tenant, s.yArtifactId)]);
    return { x: { data: x, shape: s.xShape }, y: { data: y, shape: s.yShape } };
  }

  /** The queue handler: one attempt of one job. */
  async run(qjob: QueueJob, ctx: JobContext): Promise<void> {
    const { tenant, id } = qjob;
    const log = this.log.child({ job: id, attempt: qjob.attempts });
    const initial = await this.store.get(tenant, id);
    if (initial.state !== 'queued' && initial.state !== 'running') return;
    try {
      await this.attempt(qjob, initial, ctx, log);
    } catch (err) {
      const reason = ctx.signal.aborted ? (ctx.signal.reason as JobAbortedError).reason : undefined;
      if (reason === 'shutdown') {
        await this.store.update(tenant, id, { state: 'queued' });
        throw err;
      }
      if (reason) return;
      const permanent = err instanceof PermanentJobError || (err instanceof TrainingFailure && err.permanent);
      const final = permanent || qjob.attempts >= qjob.maxAttempts;
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ err, final }, 'training attempt failed');
      await this.store.update(tenant, id, final ? { state: 'failed', error: message, endTime: new Date() } : { state: 'queued', error: `attempt ${qjob.attempts} failed: ${message}` });
      throw permanent ? new PermanentJobError(message) : err;
    }
  }

  private async attempt(qjob: QueueJob, rec: JobRecord, ctx: JobContext, log: Logger): Promise<void> {
    const { tenant } = qjob;
    const t0 = performance.now();
    const worker = new TrainingWorker(); // TF.js loads while the feature set and tensors arrive
    try {
      const fs = await this.peers.featureSet(tenant, rec.featureSetId).catch((err) => {
        throw err instanceof NotFoundError ? new PermanentJobError(err.message) : err;
      });
      log.debug({ ms: performance.now() - t0 }, 'feature set read');
      await this.start(qjob, rec, fs, worker, ctx, log);
    } finally {
      void worker.terminate();
    }
  }

  private async start(qjob: QueueJob, rec: JobRecord, fs: preprocessing.FeatureSet, worker: TrainingWorker, ctx: JobContext, log: Logger): Promise<void> {
    const { tenant, id } = qjob;
    const resumeFrom = rec.checkpointArtifactId ? rec.checkpointEpoch : 0;
    const running = await this.store.update(tenant, id, {
      state: 'running',
      attempt: qjob.attempts,
      startTime: rec.startTime ?? new Date(),
      resumedFromEpoch: resumeFrom,
      epoch: resumeFrom,
      history: rec.history.slice(0, resumeFrom),
      trainStartTime: null,
      error: '',
    });
    if (!running || ctx.signal.aborted) return;
    await this.train(qjob, rec, fs, worker, ctx, log);
  }

  private async train(qjob: QueueJob, rec: JobRecord, fs: preprocessing.FeatureSet, worker: TrainingWorker, ctx: JobContext, log: Logger): Promise<void> {
    const { tenant, id } = qjob;
    const io = ioOf(fs);
    const { spec, params } = storedSpec(rec.modelSpec, rec.hyperparameters);
    const resumeFrom = rec.checkpointArtifactId ? rec.checkpointEpoch : 0;
    const t0 = performance.now();
    const [train, validation, test, transform, checkpoint, persistence, seasonal, production] = await Promise.all([
      this.split(tenant, fs.train, 'train'),
      this.split(tenant, fs.validation, 'validation'),
      this.split(tenant, fs.test, 'test'),
      this.artifacts.getBuffer(tenant, fs.transformArtifactId).then((b) => JSON.parse(b.toString('utf8')) as unknown),
      resumeFrom ? this.download(tenant, rec.checkpointArtifactId) : undefined,
      fs.test?.persistenceArtifactId ? this.download(tenant, fs.test.persistenceArtifactId) : undefined,
      fs.test?.seasonalNaiveArtifactId ? this.download(tenant, fs.test.seasonalNaiveArtifactId) : undefined,
      this.peers.production(tenant, rec.modelName),
    ]);
    const transfer = [train.x.data, train.y.data, validation.x.data, validation.y.data, test.x.data, test.y.data];
    for (const b of [checkpoint, persistence, seasonal]) if (b) transfer.push(b);
    const productionBytes = production ? toArrayBuffer(production.bundle) : undefined;
    if (productionBytes) transfer.push(productionBytes);
    log.debug({ ms: performance.now() - t0 }, 'tensors and production version downloaded');
    let chain = Promise.resolve();
    const result = await worker.run(
      {
        jobId: id, spec, params, io, train, validation, test,
        featureNames: fs.featureNames, classLabels: fs.classLabels, transform,
        persistence, seasonalNaive: seasonal, checkpoint, production: productionBytes,
        metadata: { jobId: id, featureSetId: rec.featureSetId, dataset: fs.dataset, datasetVersion: fs.datasetVersion },
      },
      transfer,
      ctx.signal,
      {
        onReady: (backend) => void this.store.update(tenant, id, { backend }).catch((err) => log.warn({ err }, 'recording the backend failed')),
        onTraining: () => {
          log.debug({ ms: performance.now() - t0 }, 'first batch starts');
          void this.store.update(tenant, id, { trainStartTime: new Date() }).catch((err) => log.warn({ err }, 'recording the start failed'));
        },
        onEpoch: (m) => {
          chain = chain.then(async () => {
            const art = await this.artifacts.put(tenant, [new Uint8Array(m.checkpoint)], { mediaType: 'application/vnd.cityml.checkpoint' });
            const metrics = ev.EpochMetrics.toJSON({ epoch: m.metrics.epoch, loss: m.metrics.loss, valLoss: m.metrics.valLoss ?? 0, metrics: m.metrics.metrics, seconds: m.metrics.seconds });
            await this.store.appendEpoch(tenant, id, metrics, { artifactId: art.id, epoch: m.metrics.epoch });
          }).catch((err) => log.warn({ err }, 'storing a checkpoint failed'));
        },
      },
    );
    await chain;
    if (result === 'cancelled' || ctx.signal.aborted) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      return;
    }
    await this.finish(tenant, id, rec, fs, transform, result, production);
  }

  private async finish(
    tenant: string,
    id: string,
    rec: JobRecord,
    fs: preprocessing.FeatureSet,
    transform: unknown,
    result: Extract<Awaited<ReturnType<TrainingWorker['run']>>, { type: 'result' }>,
    production: ProductionVersion | undefined,
  ): Promise<void> {
    const evaluation = result.evaluation;
    const prodEval = result.production?.evaluation ?? production?.evaluation;
    const verdict = bless(evaluation, production ? { version: production.version, evaluation: prodEval, rescored: !!result.production?.evaluation } : undefined, rec.promotionMargin);
    const current = await this.store.get(tenant, id);
    const version =
      (await this.peers.versionOfJob(tenant, rec.modelName, id)) ??
      (await this.peers.createVersion(tenant, {
        modelName: rec.modelName,
        createModel: true,
        artifactId: await this.peers.upload(tenant, Buffer.from(result.bundle), 'application/vnd.cityml.model'),
        formatVersion: BUNDLE_FORMAT,
        signature: signatureProto(transform),
        evaluation,
        hyperparameters: hyperparameterMap(rec),
        trainingCurves: current.history.map((h) => ev.EpochMetrics.fromJSON(h)),
        lineage: { dataset: fs.dataset, datasetVersion: fs.datasetVersion, featureSetId: fs.id, jobId: id },
        tags: { job_id: id, blessed: String(verdict.blessed) },
        status: registry.ModelVersionStatus.MODEL_VERSION_STATUS_READY,
        description: `trained by job ${id}`,
      }));
    let promoted = false;
    let reason = verdict.reason;
    if (rec.promote && verdict.blessed) {
      promoted = await this.peers.promote(tenant, rec.modelName, version.version, production?.version ?? 0);
      if (!promoted) reason += '; not promoted: production moved while the job ran (compare-and-set lost)';
    } else if (rec.promote) reason = `not promoted: ${reason}`;
    await this.store.update(tenant, id, {
      state: 'done',
      evaluation: ev.Evaluation.toJSON(evaluation),
      modelVersion: version.version,
      productionVersion: production?.version ?? 0,
      blessed: verdict.blessed,
      blessingReason: reason,
      promoted,
      stoppedEarly: result.stoppedEarly,
      bestEpoch: result.bestEpoch,
      endTime: new Date(),
    });
  }
}

/** The registry Signature of a model trained on this fitted transform. */
function signatureProto(transform: unknown): registry.Signature {
  const s = signatureFor(deserializeTransform(transform as object));
  const kind = { regression: registry.OutputKind.OUTPUT_KIND_REGRESSION, classification: registry.OutputKind.OUTPUT_KIND_CLASSIFICATION, forecast: registry.OutputKind.OUTPUT_KIND_FORECAST }[s.outputKind];
  return { inputs: s.inputs, outputKind: kind, classLabels: s.classLabels ?? [], horizon: s.horizon ?? 0, inputColumns: s.inputColumns ?? [], target: s.target ?? '' };
}

/** The hyperparameters recorded on the model version, as strings. */
function hyperparameterMap(rec: JobRecord): Record<string, string> {
  const out: Record<string, string> = {};
  const m = training.ModelSpec.fromJSON(rec.modelSpec);
  const h = training.Hyperparameters.fromJSON(rec.hyperparameters);
  out.kind = training.modelKindToJSON(m.kind).replace('MODEL_KIND_', '').toLowerCase();
  out.hidden_units = m.hiddenUnits.join(',');
  out.activation = m.activation;
  out.dropout = String(m.dropout);
  out.l2 = String(m.l2);
  if (m.recurrentUnits) out.recurrent_units = String(m.recurrentUnits);
  out.epochs = String(h.epochs);
  out.batch_size = String(h.batchSize);
  out.learning_rate = String(h.learningRate);
  out.optimizer = training.optimizerToJSON(h.optimizer).replace('OPTIMIZER_', '').toLowerCase();
  out.early_stopping_patience = String(h.earlyStoppingPatience);
  out.seed = String(h.seed);
  return out;
}
