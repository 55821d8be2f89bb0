import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { training, type evaluation } from '@cityml/proto';
import { isJobFinished, jobStateName, type TrainingJob } from '@cityml/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection';
import { fail, print, table, UsageError } from '../output';

const KINDS: Record<string, training.ModelKind> = { dense: training.ModelKind.MODEL_KIND_DENSE, lstm: training.ModelKind.MODEL_KIND_LSTM, gru: training.ModelKind.MODEL_KIND_GRU };
const OPTIMIZERS: Record<string, training.Optimizer> = { adam: training.Optimizer.OPTIMIZER_ADAM, sgd: training.Optimizer.OPTIMIZER_SGD, rmsprop: training.Optimizer.OPTIMIZER_RMSPROP };
const STATES: Record<string, training.JobState> = {
  queued: training.JobState.JOB_STATE_QUEUED,
  running: training.JobState.JOB_STATE_RUNNING,
  done: training.JobState.JOB_STATE_DONE,
  failed: training.JobState.JOB_STATE_FAILED,
  cancelled: training.JobState.JOB_STATE_CANCELLED,
};

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got ${v}`);
  return n;
};
const float = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${name} must be a number, got ${v}`);
  return n;
};
const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : Number(v.toPrecision(4)).toString());

/** A JSON-friendly view of a job (enums as names). */
function view(job: TrainingJob) {
  return {
    ...training.Job.toJSON(job) as Record<string, unknown>,
    state: jobStateName(job.state),
    model: job.model ? { ...job.model, kind: training.modelKindToJSON(job.model.kind).replace('MODEL_KIND_', '').toLowerCase() } : undefined,
  };
}

function human(job: TrainingJob): string {
  const ev = job.evaluation;
  const lines = [
    `id:           ${job.id}`,
    `state:        ${jobStateName(job.state)}${job.error ? ` (${job.error})` : ''}`,
    `model:        ${job.modelName}${job.modelVersion ? ` v${job.modelVersion}` : ''}  ${training.modelKindToJSON(job.model?.kind ?? 0).replace('MODEL_KIND_', '').toLowerCase()} [${job.model?.hiddenUnits.join(', ')}]`,
    `feature set:  ${job.featureSetId} (${job.task})`,
    `epoch:        ${job.epoch}/${job.totalEpochs}  attempt ${job.attempt}/${job.maxAttempts}${job.resumedFromEpoch ? `, resumed after epoch ${job.resumedFromEpoch}` : ''}  backend ${job.backend || '-'}`,
  ];
  if (ev) {
    lines.push(`evaluation:   ${Object.entries(ev.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} on ${ev.testRows} test rows (primary ${ev.primaryMetric})`);
    for (const b of ev.baselines) lines.push(`  baseline ${b.name}: ${Object.entries(b.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  }
  if (job.blessingReason) lines.push(`blessed:      ${job.blessed ? 'yes' : 'no'}, promoted: ${job.promoted ? 'yes' : 'no'} — ${job.blessingReason}`);
  return lines.join('\n');
}

function row(job: TrainingJob) {
  return {
    id: job.id,
    state: jobStateName(job.state),
    model: job.modelName,
    version: job.modelVersion || '',
    epoch: `${job.epoch}/${job.totalEpochs}`,
    [job.evaluation?.primaryMetric || 'metric']: fmt(job.evaluation?.metrics[job.evaluation.primaryMetric]),
    blessed: job.state === training.JobState.JOB_STATE_DONE ? (job.blessed ? 'yes' : 'no') : '',
    created: job.createTime?.toISOString() ?? '',
  };
}

/**
 * Follows a job over WatchJob with a live progress bar (epoch, loss, val loss, ETA) on a
 * terminal, or one line per epoch otherwise; returns the final job.
 */
async function follow(flags: ConnectionFlags, id: string): Promise<TrainingJob> {
  const client = connect(flags);
  const tty = !flags.json && process.stderr.isTTY;
  let bar: SingleBar | undefined;
  try {
    const job = await client.training.waitForJob(id, (e) => {
      const j = e.job!;
      if (!bar && tty && j.totalEpochs) {
        bar = new SingleBar({ format: 'training [{bar}] epoch {value}/{total} | loss {loss} | val loss {val} | ETA {eta_formatted}', stream: process.stderr, etaBuffer: 5 }, Presets.shades_classic);
        bar.start(j.totalEpochs, j.epoch, { loss: '-', val: '-' });
      }
      if (e.epoch) {
        if (bar) bar.update(e.epoch.epoch, { loss: fmt(e.epoch.loss), val: fmt(e.epoch.valLoss) });
        else if (!flags.json) process.stderr.write(`epoch ${e.epoch.epoch}/${j.totalEpochs} loss ${fmt(e.epoch.loss)} val loss ${fmt(e.epoch.valLoss)}\n`);
      } else if (!bar && !flags.json) process.stderr.write(`job ${j.id}: ${jobStateName(j.state)}\n`);
    }).catch(async (err) => {
      if ((err as Error).name === 'JobFailedError') return (err as { job: TrainingJob }).job;
      throw err;
    });
    bar?.stop();
    return job;
  } finally {
    bar?.stop();
    client.close();
  }
}

/** The training commands: `cityml train` and `cityml jobs list|show|watch|cancel`. */
export function registerTraining(program: Command): void {
  withConnection(program.command('train').description('train a model on a feature set (a queued job); registers a version under --model'))
    .requiredOption('--features <id>', 'feature set id')
    .requiredOption('--model <name>', 'registered model to create the version under (created if missing)')
    .option('--kind <kind>', 'dense | lstm | gru (lstm/gru need the sequence layout)', 'dense')
    .option('--hidden <sizes>', 'hidden layer sizes, e.g. 64,32')
    .option('--activation <name>', 'relu | tanh | sigmoid | elu')
    .option('--dropout <rate>', 'dropout after each hidden layer', float('--dropout'))
    .option('--l2 <penalty>', 'L2 penalty on kernels', float('--l2'))
    .option('--recurrent-units <n>', 'LSTM / GRU units', int('--recurrent-units'))
    .option('--epochs <n>', 'epochs (default 20)', int('--epochs'))
    .option('--batch-size <n>', 'batch size (default 32)', int('--batch-size'))
    .option('--learning-rate <lr>', 'learning rate (default 0.001)', float('--learning-rate'))
    .option('--optimizer <name>', 'adam | sgd | rmsprop')
    .option('--patience <n>', 'early stopping patience on validation loss (0 = off)', int('--patience'))
    .option('--seed <n>', 'seed: the same seed reproduces the run', int('--seed'))
    .option('--promote', 'move the production alias when the version is blessed')
    .option('--margin <fraction>', 'promotion needs this relative improvement over production', float('--margin'))
    .option('--watch', 'follow the job with a progress bar until it ends')
    .action(async (o: ConnectionFlags & Record<string, string | number | boolean | undefined>) => {
      try {
        const kind = KINDS[String(o.kind)];
        if (kind === undefined) throw new UsageError(`--kind must be dense, lstm or gru, got ${o.kind}`);
        const optimizer = o.optimizer === undefined ? undefined : OPTIMIZERS[String(o.optimizer)];
        if (o.optimizer !== undefined && optimizer === undefined) throw new UsageError(`--optimizer must be adam, sgd or rmsprop, got ${o.optimizer}`);
        const hidden = o.hidden === undefined ? [] : String(o.hidden).split(',').map((s) => int('--hidden')(s.trim()));
        const client = connect(o);
        let job: TrainingJob;
        try {
          job = await client.training.submitJob({
            featureSetId: String(o.features),
            modelName: String(o.model),
            promote: !!o.promote,
            promotionMargin: (o.margin as number) ?? 0,
            model: { kind, hiddenUnits: hidden, activation: (o.activation as string) ?? '', dropout: (o.dropout as number) ?? 0, l2: (o.l2 as number) ?? 0, recurrentUnits: (o.recurrentUnits as number) ?? 0 },
            hyperparameters: {
              epochs: (o.epochs as number) ?? 0,
              batchSize: (o.batchSize as number) ?? 0,
              learningRate: (o.learningRate as number) ?? 0,
              optimizer: optimizer ?? training.Optimizer.OPTIMIZER_UNSPECIFIED,
              earlyStoppingPatience: (o.patience as number) ?? 0,
              seed: (o.seed as number) ?? 0,
            },
          });
        } finally {
          client.close();
        }
        if (!o.watch) return print(view(job), o, () => `queued job ${job.id} (cityml jobs watch ${job.id})`);
        const done = await follow(o, job.id);
        print(view(done), o, () => human(done));
        if (done.state !== training.JobState.JOB_STATE_DONE) process.exitCode = 1;
      } catch (err) {
        fail(err);
      }
    });

  const jobs = program.command('jobs').description('training jobs: list, show, watch, cancel');
  withConnection(jobs.command('list').description('training jobs, newest first'))
    .option('--state <state>', 'queued | running | done | failed | cancelled')
    .option('--model <name>', 'only jobs of this registered model')
    .option('--limit <n>', 'at most this many', int('--limit'), 50)
    .action(async (o: ConnectionFlags & { state?: string; model?: string; limit: number }) => {
      const client = connect(o);
      try {
        const state = o.state === undefined ? training.JobState.JOB_STATE_UNSPECIFIED : STATES[o.state];
        if (state === undefined) throw new UsageError(`--state must be one of ${Object.keys(STATES).join(', ')}`);
        const out: TrainingJob[] = [];
        for await (const j of client.training.jobs({ state, modelName: o.model ?? '', pageSize: Math.min(o.limit, 500) })) {
          out.push(j);
          if (out.length >= o.limit) break;
        }
        print(out.map(view), o, () => table(out.map(row)));
      } catch (err) {
        fail(err);
      } finally {
        client.close();
      }
    });
  withConnection(jobs.command('show').description('a job: state, epochs, evaluation, blessing').argument('<id>'))
    .option('--plot <file.svg>', 'write the training curves (loss, val loss) as an SVG chart')
    .action(async (id: string, o: ConnectionFlags & { plot?: string }) => {
      const client = connect(o);
      try {
        const job = await client.training.getJob(id);
        if (o.plot) {
          writeFileSync(o.plot, trainingCurvesSvg(job.history, `${job.modelName} — job ${job.id.slice(0, 8)}`));
          if (!o.json) process.stderr.write(`wrote ${o.plot}\n`);
        }
        print(view(job), o, () => human(job));
      } catch (err) {
        fail(err);
      } finally {
        client.close();
      }
    });
  withConnection(jobs.command('watch').description('follow a job with a progress bar until it ends').argument('<id>')).action(async (id: string, o: ConnectionFlags) => {
    try {
      const job = await follow(o, id);
      print(view(job), o, () => human(job));
      if (isJobFinished(job) && job.state !== training.JobState.JOB_STATE_DONE) process.exitCode = 1;
    } catch (err) {
      fail(err);
    }
  });
  withConnection(jobs.command('cancel').description('cancel a queued or running job (it stops within an epoch)').argument('<id>')).action(async (id: string, o: ConnectionFlags) => {
    const client = connect(o);
    try {
      const job = await client.training.cancelJob(id);
      print(view(job), o, () => `job ${job.id}: ${jobStateName(job.state)}`);
    } catch (err) {
      fail(err);
    } finally {
      client.close();
    }
  });
}

const W = 640;
const H = 360;
const PAD = { left: 60, right: 20, top: 30, bottom: 40 };

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const num = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString());

/**
 * Training curves as a standalone SVG: loss and validation loss per epoch as polylines,
 * with axes, ticks and a legend. No library; the text is safe to write to a file.
 */
export function trainingCurvesSvg(history: evaluation.EpochMetrics[], title: string): string {
  const series = [
    { name: 'loss', color: '#1f77b4', values: history.map((h) => h.loss) },
    { name: 'val loss', color: '#ff7f0e', values: history.map((h) => h.valLoss) },
  ].filter((s) => s.values.some((v) => Number.isFinite(v) && v > 0));
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = Math.min(0, ...all);
  const hi = Math.max(1e-9, ...all);
  const n = Math.max(1, history.length);
  const x = (i: number) => PAD.left + ((W - PAD.left - PAD.right) * (n === 1 ? 0.5 : i / (n - 1)));
  const y = (v: number) => H - PAD.bottom - ((H - PAD.top - PAD.bottom) * (v - lo)) / (hi - lo);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#333"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#333"/>`,
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">epoch</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    parts.push(`<line x1="${PAD.left - 4}" y1="${y(v)}" x2="${W - PAD.right}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${num(v)}</text>`);
  }
  const ticks = Math.min(n, 10);
  for (let k = 0; k < ticks; k++) {
    const i = Math.round((k * (n - 1)) / Math.max(1, ticks - 1));
    parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${history[i]?.epoch ?? i + 1}</text>`);
  }
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean).join(' ');
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    const ly = PAD.top + 10 + k * 16;
    parts.push(`<line x1="${W - PAD.right - 90}" y1="${ly}" x2="${W - PAD.right - 70}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${W - PAD.right - 65}" y="${ly + 4}">${s.name}</text>`);
  });
  if (!history.length) parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no epochs yet</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
