import { initBackend } from './backend';
import { frameFromRows } from './frame/from-rows';
import { filterRows } from './frame/ops';
import { evaluateBaselines } from './metrics/baselines';
import { evaluateOutputs } from './metrics/evaluate';
import { primaryValue, isBetter, primaryMetric } from './metrics/primary';
import { buildModel } from './models/build';
import { trainModel } from './models/fit';
import { predict, runModel } from './predict';
import { mulberry32 } from './random';
import { buildFeatureSet, FeatureSet } from './transforms/feature-set';
import { deserializeTransform, serializeTransform } from './transforms/fitted';
import type { FeatureSpec } from './transforms/spec';
import type { ModelSpec } from './models/spec';

const H = 3600_000;
const t0 = Date.UTC(2024, 0, 1);

async function trainOn(set: FeatureSet, spec: ModelSpec, epochs: number) {
  const { fitted } = set;
  const model = buildModel(spec, fitted, 1);
  await trainModel(model, {
    task: fitted.task,
    params: { epochs, batchSize: 32, learningRate: 0.01, optimizer: 'adam', seed: 1 },
    train: set.train,
    validation: set.validation,
  });
  const test = evaluateOutputs(fitted, set.test, await runModel(model, set.test.x, set.test.shape));
  const [baseline] = evaluateBaselines(fitted, set.train, set.test);
  return { model, test, baseline };
}

describe('prediction from raw rows', () => {
  beforeAll(() => initBackend());

  it('returns regression values in the target units', async () => {
    const rng = mulberry32(4);
    const rows = Array.from({ length: 800 }, () => {
      const x1 = rng() * 10;
      const x2 = rng() * 10;
      return { x1, x2, y: 1000 + 30 * x1 - 20 * x2 };
    });
    const spec: FeatureSpec = {
      task: 'regression',
      target: { column: 'y', steps: [{ kind: 'standardize' }] },
      features: ['x1', 'x2'].map((column) => ({ column, steps: [{ kind: 'standardize' as const }] })),
    };
    const set = buildFeatureSet(spec, frameFromRows(rows, { x1: 'number', x2: 'number', y: 'number' }));
    const { model, test, baseline } = await trainOn(set, { kind: 'dense', hiddenUnits: [8] }, 15);
    expect(isBetter(primaryMetric('regression'), primaryValue(test), primaryValue(baseline.evaluation))).toBe(true);
    const fitted = deserializeTransform(serializeTransform(set.fitted));
    const out = await predict(model, fitted, frameFromRows([{ x1: 5, x2: 5 }, { x1: 0, x2: 10 }], { x1: 'number', x2: 'number' }));
    if (out.task !== 'regression') throw new Error('wrong task');
    expect(Math.abs(out.values[0] - 1050)).toBeLessThan(15);
    expect(Math.abs(out.values[1] - 800)).toBeLessThan(30);
  });

  it('returns class labels with per-class probabilities for text', async () => {
    const topics: Record<string, string[]> = {
      pothole: ['pothole', 'road', 'crack', 'asphalt'],
      light: ['streetlight', 'dark', 'lamp', 'bulb'],
      noise: ['loud', 'music', 'party', 'night'],
    };
    const rng = mulberry32(9);
    const filler = ['the', 'on', 'near', 'please', 'fix', 'main', 'street'];
    const pick = (a: string[]) => a[Math.floor(rng() * a.length)];
    const rows = Array.from({ length: 300 }, (_, i) => {
      const label = Object.keys(topics)[i % 3];
      return { text: [pick(filler), pick(topics[label]), pick(filler), pick(topics[label])].join(' '), label };
    });
    const spec: FeatureSpec = {
      task: 'text_classification',
      target: { column: 'label' },
      features: [{ column: 'text', steps: [{ kind: 'text', maxTokens: 30, mode: 'tfidf' }] }],
      split: { kind: 'random', seed: 1, train: 0.7, validation: 0.15 },
    };
    const set = buildFeatureSet(spec, frameFromRows(rows, { text: 'text', label: 'category' }));
    const { model, test, baseline } = await trainOn(set, { kind: 'dense', hiddenUnits: [16] }, 10);
    expect(primaryValue(test)).toBeGreaterThan(primaryValue(baseline.evaluation));
    const out = await predict(model, set.fitted, frameFromRows([{ text: 'dark lamp on main' }, { text: 'loud party music' }], { text: 'text' }));
    if (out.task !== 'text_classification') throw new Error('wrong task');
    expect(out.labels).toEqual(['light', 'noise']);
    expect(out.classes).toEqual(['light', 'noise', 'pothole']);
    expect(out.probabilities[0] + out.probabilities[1] + out.probabilities[2]).toBeCloseTo(1, 5);
  });

  it('returns H forecast values per group from the history rows a request carries', async () => {
    // two sensors with a 6-hour cycle, sensor b at twice the level
    const rows = [];
    for (let h = 0; h < 240; h++) {
      const base = 50 + 40 * Math.sin((2 * Math.PI * h) / 6);
      rows.push({ at: new Date(t0 + h * H).toISOString(), sensor: 'a', flow: base });
      rows.push({ at: new Date(t0 + h * H).toISOString(), sensor: 'b', flow: 2 * base });
    }
    const frame = frameFromRows(rows, { at: 'timestamp', sensor: 'category', flow: 'number' });
    const spec: FeatureSpec = {
      task: 'forecast',
      target: { column: 'flow', steps: [{ kind: 'standardize' }] },
      features: [{ column: 'sensor', steps: [{ kind: 'onehot' }] }],
      forecast: { timeColumn: 'at', frequencySeconds: 3600, groupColumn: 'sensor', fill: 'linear', lags: [1, 2, 3, 4, 5, 6], horizon: 3, layout: 'flat' },
      split: { kind: 'time', column: 'at', trainBefore: new Date(t0 + 180 * H).toISOString(), validationBefore: new Date(t0 + 210 * H).toISOString() },
    };
    const set = buildFeatureSet(spec, frame);
    const { model, test, baseline } = await trainOn(set, { kind: 'dense', hiddenUnits: [16] }, 30);
    expect(baseline.name).toBe('persistence');
    expect(primaryValue(test)).toBeLessThan(primaryValue(baseline.evaluation));
    const last = (t0 + 239 * H) * 1000;
    const history = filterRows(frame, Array.from(frame.columns.at.values as Float64Array, (t) => t > last - 6 * H * 1000));
    const out = await predict(model, set.fitted, history);
    if (out.task !== 'forecast') throw new Error('wrong task');
    expect(out.groups).toEqual(['a', 'b']);
    expect(out.values).toHaveLength(6);
    expect(out.origins[0]).toBe((t0 + 240 * H) * 1000);
    const truth = [240, 241, 242].map((h) => 50 + 40 * Math.sin((2 * Math.PI * h) / 6));
    truth.forEach((v, i) => expect(Math.abs(out.values[i] - v)).toBeLessThan(15));
    truth.forEach((v, i) => expect(Math.abs(out.values[3 + i] - 2 * v)).toBeLessThan(30));
  });
});
