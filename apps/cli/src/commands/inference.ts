import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { modelSelector, plainPrediction, type PlainPrediction, type PlainRow } from '@cityml/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection';
import { fail, print, table, UsageError } from '../output';

interface PredictFlags extends Omit<ConnectionFlags, 'json'> {
  json?: string;
  file?: string;
  output?: string;
  deadline?: string;
}

/** Rows from --json (an object or an array of objects) or --file (JSON Lines; `-` = stdin). */
export function readRows(flags: { json?: string; file?: string }): PlainRow[] {
  if ((flags.json === undefined) === (flags.file === undefined)) throw new UsageError('give the rows with --json \'{...}\' or --file rows.jsonl (one of them)');
  if (flags.json !== undefined) {
    let v: unknown;
    try {
      v = JSON.parse(flags.json);
    } catch (err) {
      throw new UsageError(`--json is not valid JSON: ${(err as Error).message}`);
    }
    const rows = Array.isArray(v) ? v : [v];
    if (!rows.length || rows.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) throw new UsageError('--json must be a row object or an array of row objects');
    return rows as PlainRow[];
  }
  let text: string;
  try {
    text = readFileSync(flags.file === '-' ? 0 : (flags.file as string), 'utf8');
  } catch {
    throw new UsageError(`cannot read ${flags.file}`);
  }
  const rows: PlainRow[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = JSON.parse(line);
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error('not an object');
      rows.push(r);
    } catch (err) {
      throw new UsageError(`${flags.file} line ${i + 1}: not a JSON object (${(err as Error).message})`);
    }
  });
  if (!rows.length) throw new UsageError(`${flags.file} has no rows`);
  return rows;
}

/** The answer as a table for people: a row per input row (or per forecast step). */
export function predictionTable(p: PlainPrediction): string {
  const head = `model ${p.modelName} version ${p.modelVersion} (${p.kind})`;
  if (p.kind === 'forecast') return `${head}\n${table(p.forecasts.flatMap((s) => s.values.map((v, h) => ({ group: s.group, step: h + 1, value: Number(v.toFixed(4)) }))))}`;
  if (p.kind === 'classification') {
    return `${head}\n${table(p.labels.map((label, i) => ({ row: i, label, ...Object.fromEntries(Object.entries(p.probabilities[i]).map(([k, v]) => [`p(${k})`, Number(v.toFixed(4))])) })))}`;
  }
  return `${head}\n${table(p.values.map((v, i) => ({ row: i, value: Number(v.toFixed(4)) })))}`;
}

/** `cityml predict` and `cityml inference models`. */
export function registerInference(program: Command): void {
  const predict = withConnection(
    program
      .command('predict')
      .description('predict with a registered model from raw rows (the dataset\'s column names)')
      .argument('<model>', 'NAME, NAME@ALIAS or NAME:VERSION (default alias: production)'),
  );
  // --json takes the rows here; --output json prints JSON.
  const opts = predict.options as Option[];
  opts.splice(opts.findIndex((o) => o.long === '--json'), 1);
  predict
    .option('--json <rows>', 'a row object, or an array of them, as JSON')
    .option('--file <rows.jsonl>', 'rows as JSON Lines, one object per line (- for stdin)')
    .option('--output <format>', 'table or json', 'table')
    .option('--deadline <ms>', 'deadline of the call in milliseconds', '30000')
    .addHelpText('after', `
Examples:
  cityml predict traffic-flow --json '{"speed": 42, "lane": "north"}'
  cityml predict traffic-flow@staging --file recent.jsonl --output json
  cityml predict traffic-flow:3 --json '[{"speed": 42, "lane": "north"}, {"speed": 80, "lane": "east"}]'`)
    .action(async (model: string, flags: PredictFlags) => {
      const client = connect({ ...flags, json: false });
      try {
        if (flags.output !== 'table' && flags.output !== 'json') throw new UsageError('--output must be table or json');
        const deadlineMs = Number(flags.deadline);
        if (!Number.isFinite(deadlineMs) || deadlineMs <= 0) throw new UsageError('--deadline must be a positive number of milliseconds');
        if (!/^[^@:\s]+(@[^@:\s]+|:\d+)?$/.test(model)) throw new UsageError(`${JSON.stringify(model)} is not NAME, NAME@ALIAS or NAME:VERSION`);
        const ref = modelSelector(model);
        const rows = readRows(flags);
        const res = await client.inference.predict(ref, rows, { deadlineMs });
        print(plainPrediction(res), { json: flags.output === 'json' }, predictionTable);
      } catch (err) {
        fail(err);
      } finally {
        client.close();
      }
    });

  const group = program.command('inference').description('the inference service');
  withConnection(group.command('models').description('model versions the inference service has loaded')).action(async (flags: ConnectionFlags) => {
    const client = connect(flags);
    try {
      const models = await client.inference.listLoadedModels();
      print(models, flags, (ms) => table(ms.map((m) => ({ model: m.modelName, version: m.version, aliases: m.aliases.join(','), state: m.state, tensor_bytes: m.tensorBytes, requests: m.requests, error: m.error }))));
    } catch (err) {
      fail(err);
    } finally {
      client.close();
    }
  });
}
