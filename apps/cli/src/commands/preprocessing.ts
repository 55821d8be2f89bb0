import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { parse as parseYaml } from 'yaml';
import { preprocessing } from '@cityml/proto';
import { FeatureSetFailedError, FeatureSpecParseError, parseFeatureSpec, type FeatureSet } from '@cityml/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection';
import { fail, print, table, UsageError } from '../output';

const STATE = (s: preprocessing.FeatureSetState) => preprocessing.featureSetStateToJSON(s).replace('FEATURE_SET_STATE_', '');
const LAYOUT = (l: preprocessing.Layout) => preprocessing.layoutToJSON(l).replace('LAYOUT_', '').toLowerCase();

/** Reads a feature spec file: YAML (.yaml / .yml) or JSON (.json), in the format of `parseFeatureSpec`. */
export function readSpecFile(file: string): preprocessing.FeatureSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read spec file ${file}`);
  }
  const ext = extname(file).toLowerCase();
  let obj: unknown;
  try {
    obj = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  try {
    return parseFeatureSpec(obj);
  } catch (err) {
    if (err instanceof FeatureSpecParseError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

/** `NAME[@VERSION]` → name and version (0 = latest). */
export function parseDatasetRef(ref: string): { dataset: string; version: number } {
  const m = ref.match(/^([^@]+)(?:@(\d+))?$/);
  if (!m) throw new UsageError(`--dataset must be NAME or NAME@VERSION, got ${ref}`);
  return { dataset: m[1], version: m[2] ? Number(m[2]) : 0 };
}

/** A JSON-friendly view of a feature set (enums as names). */
function view(fs: FeatureSet) {
  return {
    ...fs,
    state: STATE(fs.state),
    layout: LAYOUT(fs.layout),
    spec: fs.spec ? preprocessing.FeatureSpec.toJSON(fs.spec) : undefined,
  };
}

function human(fs: FeatureSet): string {
  const lines = [
    `id:         ${fs.id}`,
    `dataset:    ${fs.dataset}@${fs.datasetVersion}`,
    `state:      ${STATE(fs.state)}${fs.state === preprocessing.FeatureSetState.FEATURE_SET_STATE_RUNNING ? ` (${Math.round(fs.progress * 100)}%)` : ''}`,
    `spec hash:  ${fs.specHash}`,
  ];
  if (fs.error) lines.push(`error:      ${fs.error}`);
  if (fs.state === preprocessing.FeatureSetState.FEATURE_SET_STATE_READY) {
    lines.push(`layout:     ${LAYOUT(fs.layout)}  input shape [${fs.inputShape.join(', ')}]  output size ${fs.outputSize}`);
    lines.push(`transform:  ${fs.transformArtifactId} (format ${fs.transformFormatVersion})`);
    lines.push(`features:   ${fs.featureNames.length} (${fs.featureNames.slice(0, 8).join(', ')}${fs.featureNames.length > 8 ? ', …' : ''})`);
    if (fs.classLabels.length) lines.push(`classes:    ${fs.classLabels.join(', ')}`);
    const splits = (['train', 'validation', 'test'] as const).map((k) => ({ split: k, rows: fs[k]?.rows, x: `[${fs[k]?.xShape.join(', ')}]`, y: `[${fs[k]?.yShape.join(', ')}]`, x_artifact: fs[k]?.xArtifactId }));
    lines.push('', table(splits));
  }
  return lines.join('\n');
}

async function watch(flags: ConnectionFlags, id: string): Promise<FeatureSet> {
  const client = connect(flags);
  const bar = flags.json || !process.stderr.isTTY ? undefined : new SingleBar({ format: 'materializing [{bar}] {percentage}% {state}', stream: process.stderr }, Presets.shades_classic);
  bar?.start(100, 0, { state: 'PENDING' });
  try {
    return await client.preprocessing.waitForFeatureSet(id, (fs) => bar?.update(Math.round(fs.progress * 100), { state: STATE(fs.state) }));
  } finally {
    bar?.stop();
    client.close();
  }
}

/** The `cityml features` commands: create (with --watch), show, list, preview. */
export function registerPreprocessing(program: Command): void {
  const features = program.command('features').description('feature specs and materialized feature sets');

  withConnection(features.command('create').description('materialize a feature set of a dataset version'))
    .requiredOption('--dataset <name[@version]>', 'the dataset, optionally at a version (default: latest)')
    .requiredOption('--spec <file>', 'the feature spec (.yaml, .yml or .json)')
    .option('--watch', 'wait until it is ready, with a progress bar')
    .action(async (opts: ConnectionFlags & { dataset: string; spec: string; watch?: boolean }) => {
      try {
        const { dataset, version } = parseDatasetRef(opts.dataset);
        const spec = readSpecFile(opts.spec);
        const client = connect(opts);
        const res = await client.preprocessing.createFeatureSet({ dataset, version, spec }).finally(() => client.close());
        let fs = res.featureSet as FeatureSet;
        if (!opts.json) process.stderr.write(`${res.created ? 'created' : 'exists:'} feature set ${fs.id}\n`);
        if (opts.watch) fs = await watch(opts, fs.id);
        print(view(fs), opts, () => human(fs));
      } catch (err) {
        if (err instanceof FeatureSetFailedError) {
          print(view(err.featureSet), opts, () => human(err.featureSet));
          process.exit(1);
        }
        fail(err);
      }
    });

  withConnection(features.command('show').description('a feature set: state, shapes, artifacts').argument('<id>'))
    .option('--watch', 'wait until it is ready, with a progress bar')
    .action(async (id: string, opts: ConnectionFlags & { watch?: boolean }) => {
      try {
        const client = connect(opts);
        const fs = opts.watch ? await watch(opts, id) : await client.preprocessing.getFeatureSet(id).finally(() => client.close());
        print(view(fs), opts, () => human(fs));
      } catch (err) {
        fail(err);
      }
    });

  withConnection(features.command('list').description('feature sets, newest first'))
    .option('--dataset <name>', 'only this dataset')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (opts: ConnectionFlags & { dataset?: string; limit: string }) => {
      try {
        const client = connect(opts);
        const res = await client.preprocessing.listFeatureSets({ dataset: opts.dataset, pageSize: Number(opts.limit) }).finally(() => client.close());
        const rows = res.featureSets.map((f) => ({ id: f.id, dataset: `${f.dataset}@${f.datasetVersion}`, state: STATE(f.state), progress: `${Math.round(f.progress * 100)}%`, features: f.featureNames.length, created: f.createTime?.toISOString() }));
        print(res.featureSets.map(view), opts, () => table(rows));
      } catch (err) {
        fail(err);
      }
    });

  withConnection(features.command('preview').description('fit a spec on the first rows of a dataset and show the features'))
    .requiredOption('--dataset <name[@version]>', 'the dataset, optionally at a version')
    .requiredOption('--spec <file>', 'the feature spec (.yaml, .yml or .json)')
    .option('--limit <n>', 'rows to read', '10')
    .action(async (opts: ConnectionFlags & { dataset: string; spec: string; limit: string }) => {
      try {
        const { dataset, version } = parseDatasetRef(opts.dataset);
        const spec = readSpecFile(opts.spec);
        const client = connect(opts);
        const res = await client.preprocessing.previewTransform({ dataset, version, spec, limit: Number(opts.limit) }).finally(() => client.close());
        const width = res.shape[res.shape.length - 1] ?? 0;
        const rows = Array.from({ length: width ? res.values.length / width : 0 }, (_, i) => {
          const r: Record<string, unknown> = {};
          res.featureNames.forEach((n, j) => (r[n] = Number(res.values[i * width + j].toFixed(4))));
          return r;
        });
        print(res, opts, () => `shape [${res.shape.join(', ')}]\n${res.shape.length > 2 ? `(sequence layout: ${res.shape[1]} steps per example)\n` : ''}${table(rows)}`);
      } catch (err) {
        fail(err);
      }
    });
}
