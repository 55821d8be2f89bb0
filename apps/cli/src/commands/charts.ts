/**
 * Small inline-SVG charts (no library): line charts, scatter plots, bar charts and a
 * heat-map grid, for `cityml models report` and training curves. Every function returns
 * a self-contained `<svg>` string.
 */

/** Escapes text for HTML and SVG. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A palette that stays readable in print. */
export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const label = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

interface Frame {
  width: number;
  height: number;
  x: (v: number) => number;
  y: (v: number) => number;
  body: string[];
}

/** Axes, grid and labels for the data ranges; returns scales and the SVG parts so far. */
function frame(xs: number[], ys: number[], o: { width?: number; height?: number; xLabel?: string; yLabel?: string; title?: string; xFormat?: (v: number) => string; yFrom0?: boolean }): Frame {
  const width = o.width ?? 640;
  const height = o.height ?? 320;
  const m = { l: 64, r: 16, t: o.title ? 28 : 12, b: 44 };
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys, ...(o.yFrom0 ? [0] : [])), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  if (!o.yFrom0 || y0 < 0) y0 -= pad;
  y1 += pad;
  const x = (v: number) => m.l + ((v - x0) / (x1 - x0)) * (width - m.l - m.r);
  const y = (v: number) => height - m.b - ((v - y0) / (y1 - y0)) * (height - m.t - m.b);
  const body: string[] = [];
  if (o.title) body.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-weight="600">${esc(o.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    body.push(`<line x1="${m.l}" x2="${width - m.r}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`, `<text x="${m.l - 6}" y="${y(t) + 4}" text-anchor="end">${esc(label(t))}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) body.push(`<text x="${x(t)}" y="${height - m.b + 16}" text-anchor="middle">${esc(o.xFormat ? o.xFormat(t) : label(t))}</text>`);
  body.push(`<rect x="${m.l}" y="${m.t}" width="${width - m.l - m.r}" height="${height - m.t - m.b}" fill="none" stroke="#999"/>`);
  if (o.xLabel) body.push(`<text x="${(m.l + width - m.r) / 2}" y="${height - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  if (o.yLabel) body.push(`<text transform="translate(14 ${(m.t + height - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  return { width, height, x, y, body };
}

const svg = (f: { width: number; height: number; body: string[] }) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" font-family="system-ui, sans-serif" font-size="11">${f.body.join('')}</svg>`;

/** One line of a {@link lineChart}. */
export interface Series {
  name: string;
  points: [number, number][];
  color?: string;
  dashed?: boolean;
  /** Draw a dot at every point. */
  dots?: boolean;
}

/** A line chart of one or more series, with a legend. */
export function lineChart(series: Series[], o: { width?: number; height?: number; xLabel?: string; yLabel?: string; title?: string; xFormat?: (v: number) => string; yFrom0?: boolean } = {}): string {
  const pts = series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (!pts.length) return '<p><em>no data</em></p>';
  const f = frame(
    pts.map((p) => p[0]),
    pts.map((p) => p[1]),
    o,
  );
  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const good = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    const d = good.map(([a, b], j) => `${j ? 'L' : 'M'}${f.x(a).toFixed(1)},${f.y(b).toFixed(1)}`).join('');
    f.body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    if (s.dots) for (const [a, b] of good) f.body.push(`<circle cx="${f.x(a).toFixed(1)}" cy="${f.y(b).toFixed(1)}" r="2.6" fill="${color}"/>`);
    f.body.push(`<rect x="${f.width - 150}" y="${(o.title ? 34 : 18) + i * 16}" width="10" height="10" fill="${color}"/><text x="${f.width - 135}" y="${(o.title ? 43 : 27) + i * 16}">${esc(s.name)}</text>`);
  });
  return svg(f);
}

/** A scatter plot of (x, y) points, with the y = x diagonal when `diagonal` (predicted vs actual). */
export function scatterPlot(points: [number, number][], o: { width?: number; height?: number; xLabel?: string; yLabel?: string; title?: string; diagonal?: boolean } = {}): string {
  const good = points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (!good.length) return '<p><em>no data</em></p>';
  const all = good.flat();
  const f = o.diagonal ? frame(all, all, { height: 400, width: 420, ...o }) : frame(good.map((p) => p[0]), good.map((p) => p[1]), o);
  if (o.diagonal) {
    const [lo, hi] = [Math.min(...all), Math.max(...all)];
    f.body.push(`<line x1="${f.x(lo)}" y1="${f.y(lo)}" x2="${f.x(hi)}" y2="${f.y(hi)}" stroke="#d62728" stroke-dasharray="5 3"/>`);
  }
  for (const [a, b] of good) f.body.push(`<circle cx="${f.x(a).toFixed(1)}" cy="${f.y(b).toFixed(1)}" r="2.4" fill="${COLORS[0]}" fill-opacity="0.55"/>`);
  return svg(f);
}

/** Vertical bars with their values on top (e.g. a metric for the model and each baseline). */
export function barChart(bars: { label: string; value: number; color?: string }[], o: { width?: number; height?: number; yLabel?: string; title?: string } = {}): string {
  const good = bars.filter((b) => Number.isFinite(b.value));
  if (!good.length) return '<p><em>no data</em></p>';
  const width = o.width ?? Math.max(320, 110 * good.length + 80);
  const f = frame([0, good.length], good.map((b) => b.value), { ...o, width, yFrom0: true, xFormat: () => '' });
  const slot = (f.x(1) - f.x(0)) * 0.7;
  good.forEach((b, i) => {
    const x = f.x(i + 0.5) - slot / 2;
    const top = f.y(Math.max(0, b.value));
    f.body.push(
      `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${slot.toFixed(1)}" height="${(f.y(0) - top).toFixed(1)}" fill="${b.color ?? COLORS[i % COLORS.length]}"/>`,
      `<text x="${f.x(i + 0.5)}" y="${top - 4}" text-anchor="middle">${esc(label(b.value))}</text>`,
      `<text x="${f.x(i + 0.5)}" y="${f.height - 28}" text-anchor="middle">${esc(b.label)}</text>`,
    );
  });
  return svg(f);
}

/** A heat-map grid with counts (a confusion matrix: rows = true class, columns = predicted). */
export function heatmap(labels: string[], counts: number[], o: { title?: string } = {}): string {
  const k = labels.length;
  const cell = Math.max(28, Math.min(64, 480 / Math.max(1, k)));
  const left = 110;
  const top = 110;
  const max = Math.max(1, ...counts);
  const body: string[] = [];
  if (o.title) body.push(`<text x="${left}" y="16" font-weight="600">${esc(o.title)}</text>`);
  body.push(`<text x="${left + (k * cell) / 2}" y="34" text-anchor="middle">predicted</text>`, `<text transform="translate(14 ${top + (k * cell) / 2}) rotate(-90)" text-anchor="middle">actual</text>`);
  labels.forEach((l, j) => body.push(`<text transform="translate(${left + j * cell + cell / 2} ${top - 6}) rotate(-45)">${esc(l)}</text>`, `<text x="${left - 6}" y="${top + j * cell + cell / 2 + 4}" text-anchor="end">${esc(l)}</text>`));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = counts[i * k + j] ?? 0;
      const a = v / max;
      body.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${i === j ? '#2ca02c' : '#d62728'}" fill-opacity="${(0.08 + 0.85 * a).toFixed(2)}" stroke="#fff"/>`,
        `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle">${v}</text>`,
      );
    }
  }
  return svg({ width: left + k * cell + 20, height: top + k * cell + 20, body });
}
