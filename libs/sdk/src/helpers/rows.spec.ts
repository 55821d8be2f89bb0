import { plainPrediction, rowsToCsv } from '../index';
import { parseModelRef } from './predict';

describe('the plain-row helpers', () => {
  it('render plain rows as CSV with quoting, Dates as ISO 8601 and nulls as empty cells', () => {
    const csv = rowsToCsv([
      { ts: new Date('2026-01-05T05:00:00Z'), note: 'a, "b"', flow: 3 },
      { ts: '2026-01-05T06:00:00Z', note: null, flow: NaN },
    ]);
    expect(csv).toBe('ts,note,flow\n2026-01-05T05:00:00.000Z,"a, ""b""",3\n2026-01-05T06:00:00Z,,\n');
  });

  it('turn a forecast answer into one series per group', () => {
    const p = plainPrediction({ modelName: 'm', modelVersion: 2, values: [], labels: [], probabilities: [], classLabels: [], groups: ['S01', 'S02'], forecast: [1, 2, 3, 4], horizon: 2, requestId: '' });
    expect(p).toMatchObject({ kind: 'forecast', modelVersion: 2, forecasts: [{ group: 'S01', values: [1, 2] }, { group: 'S02', values: [3, 4] }] });
  });

  it('turn a classification answer into labels with per-class probabilities', () => {
    const p = plainPrediction({ modelName: 'm', modelVersion: 1, values: [], labels: ['parks', 'water'], probabilities: [0.9, 0.1, 0.2, 0.8], classLabels: ['parks', 'water'], groups: [], forecast: [], horizon: 0, requestId: '' });
    expect(p.kind).toBe('classification');
    expect(p.probabilities).toEqual([{ parks: 0.9, water: 0.1 }, { parks: 0.2, water: 0.8 }]);
  });

  it('read model references with an alias or a version', () => {
    expect(parseModelRef('traffic')).toEqual({ name: 'traffic' });
    expect(parseModelRef('traffic@production')).toEqual({ name: 'traffic', alias: 'production' });
    expect(parseModelRef('traffic@3')).toEqual({ name: 'traffic', version: 3 });
  });
});
