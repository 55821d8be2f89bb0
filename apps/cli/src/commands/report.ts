import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { status } from '@grpc/grpc-js';
import { registry } from '@cityml/proto';
import { CityMLClientError, recordsFromRowBatch, type CityML, type ModelVersion } from '@cityml/sdk';
import { connect, withConnection, type ConnectionFlags } from '../connection';
import { fail, print, UsageError } from '../output';
import { barChart, esc, heatmap, lineChart, scatterPlot } from './charts';

const HOUR = 3600_000;

interface ReportFlags extends ConnectionFlags {
  out: string;
  group?: string;
  history: string;
}

/** NAME, NAME@ALIAS, NAME:VERSION (or NAME@VERSION). */
function parseRef(ref: string): { name: string; alias?: string; version?: number } {
  const m = /^([^@:\s]+)(?:[@:]v?(\d+)|@([^@:\s]+))?$/.exec(ref.trim());
  if (!m) throw new UsageError(`${ref} is not NAME, NAME@ALIAS or NAME:VERSION`);
  return { name: m[1], ...(m[2] ? { version: Number(m[2]) } : {}), ...(m[3] ? { alias: m[3] } : {}) };
}

/** The version NAME[@ALIAS|:VERSION] names; without either: `production` when set, else the latest version. */
async function resolveVersion(client: CityML, ref: string): Promise<ModelVersion> {
  const { name, alias, version } = parseRef(ref);
  if (version) return client.registry.getModelVersion(name, version);
  if (alias) return client.registry.getVersionByAlias(name, alias);
  const model = await client.registry.getModel(name);
  if (model.aliases.production) return client.registry.getModelVersion(name, model.aliases.production);
  if (!model.latestVersion) throw new CityMLClientError(status.NOT_FOUND, `model "${name}" has no versions`);
  return client.registry.getModelVersion(name, model.latestVersion);
}

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

/** The metrics table: the model and each baseline, with the model's improvement over each. */
function metricsTable(v: ModelVersion): string {
  const ev = v.evaluation!;
  const names = [...new Set([...Object.keys(ev.metrics), ...ev.baselines.flatMap((b) => Object.keys(b.metrics))])].sort();
  const primary = ev.primaryMetric;
  const higherIsBetter = /f1|accuracy|precision|recall|r2/.test(primary);
  const rows = [{ name: `model (v${v.version})`, metrics: ev.metrics }, ...ev.baselines.map((b) => ({ name: `baseline: ${b.name}`, metrics: b.metrics }))];
  const head = `<tr><th></th>${names.map((n) => `<th>${esc(n)}${n === primary ? ' ★' : ''}</th>`).join('')}<th>model vs this on ${esc(primary)}</th></tr>`;
  const body = rows.map((r, i) => {
    const base = r.metrics[primary];
    const gain = i === 0 || !base ? '' : `${(((higherIsBetter ? ev.metrics[primary] - base : base - ev.metrics[primary]) / Math.abs(base)) * 100).toFixed(1)}% better`;
    return `<tr${i === 0 ? ' class="model"' : ''}><td>${esc(r.name)}</td>${names.map((n) => `<td>${fmt(r.metrics[n])}</td>`).join('')}<td>${esc(gain)}</td></tr>`;
  });
  return `<table>${head}${body.join('')}</table><p class="note">★ primary metric; test split of ${ev.testRows} examples.</p>`;
}

/**
 * A forecast chart: the last `hours` readings of one series from the version's dataset
 * and the model's forecast after them (Predict with this version). Undefined when the
 * data or the model cannot be reached.
 */
async function forecastChart(client: CityML, v: ModelVersion, flags: ReportFlags): Promise<{ svg: string; group: string } | undefined> {
  const lineage = v.lineage;
  if (!lineage?.dataset || !lineage.featureSetId) return undefined;
  const fs = await client.preprocessing.getFeatureSet(lineage.featureSetId);
  const ds = await client.ingestion.getDataset(lineage.dataset);
  const timeCol = fs.spec?.forecast?.timeColumn || ds.schema?.timeColumn || '';
  const groupCol = fs.spec?.forecast?.groupColumn ?? '';
  const target = v.signature?.target || fs.spec?.target || '';
  const stats = await client.ingestion.getStatistics(lineage.dataset, lineage.datasetVersion);
  const maxMicros = stats.columns.find((c) => c.name === timeCol)?.numeric?.max;
  if (!timeCol || !target || !maxMicros) return undefined;
  const hours = Number(flags.history);
  const start = new Date(maxMicros / 1000 - Math.max(hours, 24 * 9) * HOUR);
  const rows: Record<string, unknown>[] = [];
  for await (const r of client.ingestion.readRows({ dataset: lineage.dataset, version: lineage.datasetVersion, startTime: start })) {
    if (r.rows) rows.push(...recordsFromRowBatch(r.rows));
  }
  const group = groupCol ? String(flags.group ?? rows[0]?.[groupCol] ?? '') : '';
  const series = rows.filter((r) => !groupCol || String(r[groupCol]) === group).map((r) => ({ ...r, [timeCol]: new Date((r[timeCol] as number) / 1000) }));
  if (series.length < 2) return undefined;
  const p = await client.predict(`${v.modelName}:${v.version}`, series);
  const fc = p.forecasts.find((s) => s.group === group) ?? p.forecasts[0];
  const last = (series[series.length - 1][timeCol] as Date).getTime();
  const freq = (fs.spec?.forecast?.frequencySeconds || 3600) * 1000;
  const shown = series.filter((r) => (r[timeCol] as Date).getTime() > last - hours * HOUR);
  const actual: [number, number][] = shown.map((r) => [(r[timeCol] as Date).getTime(), Number(r[target])]);
  const forecast: [number, number][] = [[last, actual[actual.length - 1][1]], ...(fc?.values ?? []).map((y, k): [number, number] => [last + (k + 1) * freq, y])];
  const xFormat = (t: number) => new Date(t).toISOString().slice(5, 13).replace('T', ' ') + 'h';
  const svg = lineChart(
    [
      { name: `${target} (actual)`, points: actual },
      { name: 'forecast', points: forecast, color: '#d62728', dashed: true, dots: true },
    ],
    { title: `${groupCol ? `${groupCol} ${group}: ` : ''}last ${hours} h and the next ${fc?.values.length ?? 0} steps`, xLabel: `${timeCol} (UTC)`, yLabel: target, xFormat, width: 760 },
  );
  return { svg, group };
}

/** The report's HTML: metrics vs baselines, predicted vs actual or a confusion matrix, forecast and training curves. */
export async function buildReport(client: CityML, v: ModelVersion, flags: ReportFlags): Promise<{ html: string; sections: string[] }> {
  const ev = v.evaluation;
  const sig = v.signature;
  const kind = sig?.outputKind ? registry.outputKindToJSON(sig.outputKind).replace('OUTPUT_KIND_', '').toLowerCase() : 'model';
  const parts: { title: string; html: string }[] = [];
  if (ev && Object.keys(ev.metrics).length) {
    const primary = ev.primaryMetric;
    const bars = [{ label: `model v${v.version}`, value: ev.metrics[primary] }, ...ev.baselines.map((b) => ({ label: b.name, value: b.metrics[primary] }))];
    parts.push({ title: 'Metrics against baselines', html: metricsTable(v) + barChart(bars, { title: `${primary} on the test split`, yLabel: primary }) });
    if (ev.confusionMatrix?.labels.length) {
      const classes = ev.classes.map((c) => `<tr><td>${esc(c.label)}</td><td>${fmt(c.precision)}</td><td>${fmt(c.recall)}</td><td>${fmt(c.f1)}</td><td>${c.support}</td></tr>`).join('');
      parts.push({ title: 'Confusion matrix', html: heatmap(ev.confusionMatrix.labels, ev.confusionMatrix.counts, { title: 'test split: rows = actual, columns = predicted' }) + (classes ? `<table><tr><th>class</th><th>precision</th><th>recall</th><th>f1</th><th>support</th></tr>${classes}</table>` : '') });
    } else if (ev.sampleActual.length) {
      const pts = ev.sampleActual.map((a, i): [number, number] => [a, ev.samplePredicted[i]]);
      parts.push({ title: 'Predicted vs actual', html: scatterPlot(pts, { title: `${pts.length} test examples (the red line is a perfect prediction)`, xLabel: `actual ${sig?.target ?? ''}`, yLabel: `predicted ${sig?.target ?? ''}`, diagonal: true }) });
    }
    if (ev.maePerStep.length > 1) {
      parts.push({ title: 'Error by horizon step', html: barChart(ev.maePerStep.map((m, i) => ({ label: `t+${i + 1}`, value: m })), { title: 'MAE per step ahead', yLabel: 'MAE' }) });
    }
  }
  if (kind === 'forecast') {
    const chart = await forecastChart(client, v, flags).catch((err: Error) => ({ svg: `<p><em>forecast unavailable: ${esc(err.message)}</em></p>`, group: '' }));
    if (chart) parts.push({ title: 'Forecast', html: chart.svg });
  }
  if (v.trainingCurves.length) {
    const loss = v.trainingCurves.map((e): [number, number] => [e.epoch, e.loss]);
    const val = v.trainingCurves.filter((e) => Number.isFinite(e.valLoss) && e.valLoss > 0).map((e): [number, number] => [e.epoch, e.valLoss]);
    parts.push({ title: 'Training curves', html: lineChart([{ name: 'loss', points: loss, dots: true }, ...(val.length ? [{ name: 'val_loss', points: val, dots: true }] : [])], { xLabel: 'epoch', yLabel: 'loss', title: 'loss per epoch' }) });
  }
  const facts: [string, unknown][] = [
    ['model', `${v.modelName} version ${v.version}${v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}`],
    ['kind', `${kind}${sig?.target ? ` of ${sig.target}` : ''}${sig?.horizon ? `, ${sig.horizon} steps ahead` : ''}`],
    ['source', v.source],
    ['created', v.createTime?.toISOString()],
    ['lineage', v.lineage?.dataset ? `dataset ${v.lineage.dataset}@${v.lineage.datasetVersion}, feature set ${v.lineage.featureSetId}, job ${v.lineage.jobId}` : ''],
    ['inputs', sig?.inputColumns.join(', ')],
    ['hyperparameters', Object.entries(v.hyperparameters).map(([k, x]) => `${k}=${x}`).join(', ')],
    ['bundle', `${v.artifactSize} bytes, sha256 ${v.artifactSha256}`],
  ];
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(v.modelName)} v${v.version}: evaluation report</title>
<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.8em 0}td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}tr.model{font-weight:600;background:#f3f8ff}.note{color:#666;font-size:.9em}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{color:#666}dd{margin:0}</style></head>
<body><h1>${esc(v.modelName)} version ${v.version}: evaluation report</h1>
<dl>${facts.filter(([, x]) => x).map(([k, x]) => `<dt>${esc(k)}</dt><dd>${esc(x)}</dd>`).join('')}</dl>
${parts.map((p) => `<h2>${esc(p.title)}</h2>\n${p.html}`).join('\n')}
<p class="note">Written by cityml models report on ${new Date().toISOString()}.</p></body></html>
`;
  return { html, sections: parts.map((p) => p.title) };
}

/** `cityml models report NAME[@ALIAS] --out FILE.html`: an HTML evaluation report with inline SVG charts. */
export function registerReport(program: Command): void {
  const models = program.commands.find((c) => c.name() === 'models') ?? program.command('models').description('the model registry');
  withConnection(models.command('report').description('write an HTML evaluation report: metrics against baselines, predicted vs actual or a confusion matrix, a forecast, training curves'))
    .argument('<model>', 'NAME, NAME@ALIAS or NAME:VERSION (default: production, else the latest version)')
    .requiredOption('--out <file.html>', 'the HTML file to write')
    .option('--group <id>', 'forecast models: the series to chart (default: the first in the data)')
    .option('--history <hours>', 'forecast models: hours of readings before the forecast', '72')
    .action(async (ref: string, flags: ReportFlags) => {
      const client = connect(flags);
      try {
        if (!(Number(flags.history) > 0)) throw new UsageError('--history must be a positive number of hours');
        const v = await resolveVersion(client, ref);
        const { html, sections } = await buildReport(client, v, flags);
        writeFileSync(flags.out, html);
        print({ file: flags.out, model: v.modelName, version: v.version, bytes: Buffer.byteLength(html), sections }, flags, (r) => `wrote ${r.file} (${r.model} version ${r.version}: ${r.sections.join(', ')})`);
      } catch (err) {
        fail(err);
      } finally {
        client.close();
      }
    });
}
