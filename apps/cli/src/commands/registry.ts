import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { registry } from '@cityml/proto';
import { ModelSignatureError, parseModelSignature, type ModelEvent, type ModelVersion, type RegisteredModel } from '@cityml/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection';
import { fail, print, table, UsageError } from '../output';

const STATUS = (s: registry.ModelVersionStatus) => registry.modelVersionStatusToJSON(s).replace('MODEL_VERSION_STATUS_', '');
const EVENT = (t: registry.ModelEventType) => registry.modelEventTypeToJSON(t).replace('MODEL_EVENT_TYPE_', '');
const KIND = (k: registry.OutputKind) => registry.outputKindToJSON(k).replace('OUTPUT_KIND_', '').toLowerCase();

/** Parses a positive integer option. */
function int(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${what} must be a whole number, got ${value}`);
  return n;
}

/** Parses a metric threshold like "rmse<3.5" or "macro_f1>=0.8". */
export function parseMetricFilter(text: string): { metric: string; op: string; value: number } {
  const m = text.match(/^\s*([A-Za-z0-9_.-]+)\s*(<=|>=|<|>)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*$/i);
  if (!m) throw new UsageError(`--metric must look like rmse<3.5 (one of < <= > >=), got ${text}`);
  return { metric: m[1], op: m[2], value: Number(m[3]) };
}

/** Reads a JSON or YAML file. */
function readStructured(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  try {
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON or YAML: ${(err as Error).message}`);
  }
}

/** A JSON-friendly version (enums as names). */
function versionView(v: ModelVersion) {
  return { ...v, status: STATUS(v.status), signature: v.signature ? { ...v.signature, outputKind: KIND(v.signature.outputKind) } : undefined };
}

function versionRow(v: ModelVersion) {
  const m = v.evaluation?.metrics ?? {};
  const primary = v.evaluation?.primaryMetric;
  return {
    version: v.version,
    status: STATUS(v.status) + (v.archived ? ' (archived)' : ''),
    aliases: v.aliases.join(','),
    source: v.source,
    metric: primary && m[primary] !== undefined ? `${primary}=${Number(m[primary].toFixed(4))}` : '',
    size: v.artifactSize,
    created: v.createTime?.toISOString(),
  };
}

function versionHuman(v: ModelVersion): string {
  const lines = [
    `model:      ${v.modelName}`,
    `version:    ${v.version}${v.archived ? ' (archived)' : ''}`,
    `status:     ${STATUS(v.status)}${v.statusMessage ? ` (${v.statusMessage})` : ''}`,
    `aliases:    ${v.aliases.join(', ') || '-'}`,
    `source:     ${v.source}`,
    `artifact:   ${v.artifactId || '-'} (${v.artifactSize} bytes, ${v.formatVersion || 'no format'})`,
    `created:    ${v.createTime?.toISOString()}`,
  ];
  if (v.description) lines.push(`about:      ${v.description}`);
  if (v.signature) {
    const s = v.signature;
    lines.push(`inputs:     ${s.inputs.map((i) => `${i.name}[${i.shape.join(',')}]`).join(', ')}`);
    lines.push(`output:     ${KIND(s.outputKind)}${s.classLabels.length ? ` (${s.classLabels.join(', ')})` : ''}${s.horizon ? ` horizon ${s.horizon}` : ''}`);
  }
  if (v.lineage) lines.push(`lineage:    dataset ${v.lineage.dataset}@${v.lineage.datasetVersion}, feature set ${v.lineage.featureSetId || '-'}, job ${v.lineage.jobId || '-'}`);
  const metrics = Object.entries(v.evaluation?.metrics ?? {});
  if (metrics.length) lines.push(`metrics:    ${metrics.map(([k, x]) => `${k}=${Number(x.toFixed(4))}`).join('  ')}`);
  for (const b of v.evaluation?.baselines ?? []) lines.push(`baseline:   ${b.name}: ${Object.entries(b.metrics).map(([k, x]) => `${k}=${Number(x.toFixed(4))}`).join('  ')}`);
  const tags = Object.entries(v.tags);
  if (tags.length) lines.push(`tags:       ${tags.map(([k, x]) => `${k}=${x}`).join(' ')}`);
  return lines.join('\n');
}

function modelHuman(m: RegisteredModel): string {
  const aliases = Object.entries(m.aliases);
  return [
    `model:      ${m.name}`,
    `latest:     ${m.latestVersion}`,
    `aliases:    ${aliases.length ? aliases.map(([a, v]) => `${a} → ${v}`).join(', ') : '-'}`,
    `tags:       ${Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(' ') || '-'}`,
    `created:    ${m.createTime?.toISOString()}`,
    ...(m.description ? [`about:      ${m.description}`] : []),
  ].join('\n');
}

function eventLine(e: ModelEvent): string {
  const what = e.alias ? `${e.alias}: ${e.previousVersion || '-'} → ${e.version || '-'}` : e.version ? `version ${e.version}${e.status ? ` ${STATUS(e.status)}` : ''}` : '';
  return `${e.sequence}\t${e.time?.toISOString()}\t${EVENT(e.type)}\t${e.modelName}\t${what}\t${e.actor}`;
}

/** Collects repeated options. */
const collect = (v: string, all: string[]) => [...all, v];

/** key=value tags from repeated --tag options. */
function tagMap(tags: string[]): Record<string, string> {
  return Object.fromEntries(
    tags.map((t) => {
      const i = t.indexOf('=');
      if (i <= 0) throw new UsageError(`--tag must be key=value, got ${t}`);
      return [t.slice(0, i), t.slice(i + 1)];
    }),
  );
}

type Flags = ConnectionFlags;

/** Runs an action with a connected client, closes it, and reports failures (exit 1 or 2). */
function action<A extends unknown[]>(fn: (client: ReturnType<typeof connect>, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const flags = cmd.opts() as Flags;
    let client: ReturnType<typeof connect> | undefined;
    try {
      client = connect(flags);
      await fn(client, ...args);
    } catch (err) {
      fail(err);
    } finally {
      client?.close();
    }
  };
}

/** The `cityml models` commands: list, show, versions, alias, history, rollback, import, archive, download, watch. */
export function registerRegistry(program: Command): void {
  const models = program.command('models').description('the model registry: models, versions, aliases, imports, events');

  withConnection(models.command('list').description('registered models, by name'))
    .option('--prefix <text>', 'names starting with this')
    .option('--tag <key[=value]>', 'models with this tag')
    .option('--alias <alias>', 'models that have this alias')
    .option('--limit <n>', 'at most this many', '100')
    .action(
      action(async (client, opts: Flags & { prefix?: string; tag?: string; alias?: string; limit: string }) => {
        const res = await client.registry.listModels({ namePrefix: opts.prefix, tag: opts.tag, alias: opts.alias, pageSize: int(opts.limit, '--limit') });
        const rows = res.models.map((m) => ({ name: m.name, latest: m.latestVersion, aliases: Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(','), updated: m.updateTime?.toISOString() }));
        print(res.models, opts, () => table(rows) + (res.nextPageToken ? '\n(more: raise --limit)' : ''));
      }),
    );

  withConnection(models.command('show').description('a model, or one of its versions (by number or @alias)').argument('<name>').argument('[version]', 'a version number or @alias'))
    .action(
      action(async (client, name: string, ref: string | undefined, opts: Flags) => {
        if (ref === undefined) {
          const m = await client.registry.getModel(name);
          return print(m, opts, modelHuman);
        }
        const v = ref.startsWith('@') ? await client.registry.getVersionByAlias(name, ref.slice(1)) : await client.registry.getModelVersion(name, int(ref, 'version'));
        print(versionView(v), opts, () => versionHuman(v));
      }),
    );

  withConnection(models.command('versions').description("a model's versions, newest first").argument('<name>'))
    .option('--tag <key[=value]>', 'versions with this tag')
    .option('--alias <alias>', 'the version with this alias')
    .option('--metric <filter>', 'a metric threshold such as rmse<3.5 (repeatable)', collect, [])
    .option('--all', 'include archived versions')
    .option('--limit <n>', 'at most this many', '50')
    .action(
      action(async (client, name: string, opts: Flags & { tag?: string; alias?: string; metric: string[]; all?: boolean; limit: string }) => {
        const res = await client.registry.listModelVersions({ modelName: name, tag: opts.tag, alias: opts.alias, metrics: opts.metric.map(parseMetricFilter), includeArchived: !!opts.all, pageSize: int(opts.limit, '--limit') });
        print(res.versions.map(versionView), opts, () => table(res.versions.map(versionRow)));
      }),
    );

  withConnection(models.command('alias').description('show, set (with VERSION) or delete an alias').argument('<name>').argument('<alias>').argument('[version]'))
    .option('--expected-version <n>', 'compare-and-set: only if the alias points at this version now (0 = does not exist)')
    .option('--delete', 'delete the alias')
    .action(
      action(async (client, name: string, alias: string, version: string | undefined, opts: Flags & { expectedVersion?: string; delete?: boolean }) => {
        if (opts.delete) {
          if (version !== undefined) throw new UsageError('--delete takes no version');
          await client.registry.deleteAlias(name, alias);
          return print({ alias, deleted: true }, opts, () => `deleted alias ${alias} of ${name}`);
        }
        if (version === undefined) {
          const v = await client.registry.getVersionByAlias(name, alias);
          return print(versionView(v), opts, () => versionHuman(v));
        }
        const expectedVersion = opts.expectedVersion === undefined ? undefined : int(opts.expectedVersion, '--expected-version');
        const res = await client.registry.setAlias(name, alias, int(version, 'version'), { expectedVersion });
        print(res, opts, () => `${name} ${alias}: ${res.previousVersion || '-'} → ${res.version}`);
      }),
    );

  withConnection(models.command('history').description("alias changes, newest first; with --at, the version an alias pointed at then").argument('<name>'))
    .option('--alias <alias>', 'only this alias')
    .option('--at <time>', 'a point in time (ISO 8601, e.g. 2026-03-03T12:00:00Z); needs --alias')
    .option('--limit <n>', 'at most this many changes', '50')
    .action(
      action(async (client, name: string, opts: Flags & { alias?: string; at?: string; limit: string }) => {
        let at: Date | undefined;
        if (opts.at) {
          at = new Date(opts.at);
          if (Number.isNaN(at.getTime())) throw new UsageError(`--at must be a time such as 2026-03-03T12:00:00Z, got ${opts.at}`);
          if (!opts.alias) throw new UsageError('--at needs --alias');
        }
        const res = await client.registry.listAliasHistory(name, { alias: opts.alias, at, pageSize: int(opts.limit, '--limit') });
        const rows = res.changes.map((c) => ({ time: c.time?.toISOString(), alias: c.alias, from: c.fromVersion || '-', to: c.toVersion || '(deleted)', by: c.actor }));
        print(res, opts, () => (at ? `${opts.alias} at ${at.toISOString()}: ${res.versionAt ? `version ${res.versionAt}` : 'none'}\n\n` : '') + table(rows));
      }),
    );

  withConnection(models.command('rollback').description('move an alias back to its version before the last change').argument('<name>'))
    .option('--alias <alias>', 'the alias', 'production')
    .action(
      action(async (client, name: string, opts: Flags & { alias: string }) => {
        const res = await client.registry.rollbackAlias(name, opts.alias);
        print(res, opts, () => `${name} ${res.alias}: ${res.previousVersion} → ${res.version}`);
      }),
    );

  withConnection(models.command('archive').description('archive a version (refused while an alias points at it)').argument('<name>').argument('<version>'))
    .action(
      action(async (client, name: string, version: string, opts: Flags) => {
        const v = await client.registry.archiveModelVersion(name, int(version, 'version'));
        print(versionView(v), opts, () => `archived version ${v.version} of ${name}`);
      }),
    );

  withConnection(models.command('import').description('import a TF.js Layers model (model.json and its weight files)').argument('<name>'))
    .requiredOption('--model-json <file>', 'model.json as TF.js or tensorflowjs_converter write it; weight files are read next to it')
    .requiredOption('--signature <file>', 'the declared signature (.json or .yaml): inputs [{name, shape}], output regression|classification|forecast, classLabels, horizon')
    .option('--tag <key=value>', 'a tag of the version (repeatable)', collect, [])
    .option('--description <text>', 'what this version is')
    .option('--no-create', 'fail when the model is not registered yet')
    .action(
      action(async (client, name: string, opts: Flags & { modelJson: string; signature: string; tag: string[]; description?: string; create: boolean }) => {
        let signature: registry.Signature;
        try {
          signature = parseModelSignature(readStructured(opts.signature));
        } catch (err) {
          if (err instanceof ModelSignatureError) throw new UsageError(`${opts.signature}: ${err.message}`);
          throw err;
        }
        const json = readStructured(opts.modelJson) as { weightsManifest?: { paths?: string[] }[] };
        const paths = (json.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
        const weightFiles = new Map<string, Buffer>();
        for (const p of paths) {
          if (isAbsolute(p) || p.split(/[\\/]/).includes('..')) throw new UsageError(`${opts.modelJson} names weight file ${p} outside its directory`);
          try {
            weightFiles.set(p, readFileSync(join(dirname(opts.modelJson), p)));
          } catch {
            throw new UsageError(`weight file ${p} named by ${opts.modelJson} cannot be read`);
          }
        }
        const total = [...weightFiles.values()].reduce((n, b) => n + b.length, 0);
        const bar = opts.json || !process.stderr.isTTY ? undefined : new SingleBar({ format: 'uploading weights [{bar}] {percentage}%', stream: process.stderr }, Presets.shades_classic);
        bar?.start(Math.max(total, 1), 0);
        const v = await client.registry
          .importModelVersion({ modelName: name, createModel: opts.create, modelJson: readFileSync(opts.modelJson), weightFiles, signature, tags: tagMap(opts.tag), description: opts.description ?? '' })
          .finally(() => bar?.stop());
        print(versionView(v), opts, () => versionHuman(v));
      }),
    );

  withConnection(models.command('download').description("save a version's bundle (by number or @alias) to a file").argument('<name>').argument('<version>', 'a version number or @alias'))
    .requiredOption('-o, --out <file>', 'where to write the bundle')
    .action(
      action(async (client, name: string, ref: string, opts: Flags & { out: string }) => {
        const res = await client.registry.fetchModelBundle(name, ref.startsWith('@') ? { alias: ref.slice(1) } : { version: int(ref, 'version') });
        writeFileSync(opts.out, res.bundle);
        print({ file: opts.out, version: res.version.version, size: res.bundle.length, sha256: res.version.artifactSha256 }, opts, (r) => `wrote version ${r.version} (${r.size} bytes) to ${r.file}`);
      }),
    );

  withConnection(models.command('watch').description('follow registry events (reconnects and resumes; Ctrl-C to stop)'))
    .option('--after <sequence>', 'start after this event sequence', '0')
    .option('--from-start', 'replay every event first')
    .option('--model <name>', "only this model's events")
    .action(
      action(async (client, opts: Flags & { after: string; fromStart?: boolean; model?: string }) => {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        for await (const e of client.registry.followModels({ afterSequence: int(opts.after, '--after'), fromStart: !!opts.fromStart, modelName: opts.model, signal: stop.signal })) {
          process.stdout.write((opts.json ? JSON.stringify({ ...e, type: EVENT(e.type), status: STATUS(e.status) }) : eventLine(e)) + '\n');
        }
      }),
    );
}
