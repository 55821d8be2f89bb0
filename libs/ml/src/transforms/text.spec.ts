import { frameFromRows } from '../frame/from-rows';
import { applyTransform } from './apply';
import { fitTransform } from './fit';
import type { FeatureSpec, TextStep } from './spec';
import { tokenize } from './text';

const docs = ['Pothole on Main St', 'pothole, pothole!', 'Streetlight out on Main', 'graffiti'];

function vectorize(step: TextStep, test: string[]) {
  const spec: FeatureSpec = {
    task: 'text_classification',
    target: { column: 'y' },
    features: [{ column: 't', steps: [step] }],
  };
  const schema = { t: 'text', y: 'category' } as const;
  const fitted = fitTransform(spec, frameFromRows(docs.map((t) => ({ t, y: 'a' })), schema));
  const out = applyTransform(fitted, frameFromRows(test.map((t) => ({ t, y: 'a' })), schema));
  const w = out.shape[1];
  return { names: out.featureNames.map((n) => n.slice(2)), rows: Array.from({ length: test.length }, (_, i) => Array.from(out.x.subarray(i * w, (i + 1) * w))) };
}

describe('text vectorization', () => {
  it('lowercases and splits on anything that is not a letter or digit', () => {
    expect(tokenize('Pothole, on MAIN-st 5th!')).toEqual(['pothole', 'on', 'main', 'st', '5th']);
    expect(tokenize('a b c', true, true)).toEqual(['a', 'b', 'c', 'a b', 'b c']);
  });

  it('keeps the top tokens by count and counts them as a bag of words', () => {
    const { names, rows } = vectorize({ kind: 'text', maxTokens: 3, mode: 'bow' }, ['main pothole pothole zebra']);
    // counts: pothole 3, main 2, on 2, then ties at 1; ties break alphabetically
    expect(names).toEqual(['pothole', 'main', 'on']);
    expect(rows[0]).toEqual([2, 1, 0]);
  });

  it('weights by smoothed idf and normalizes each row for TF-IDF', () => {
    const { names, rows } = vectorize({ kind: 'text', maxTokens: 3, mode: 'tfidf' }, ['main pothole pothole']);
    const df: Record<string, number> = { pothole: 2, main: 2, on: 2 };
    const idf = (t: string) => Math.log((1 + docs.length) / (1 + df[t])) + 1;
    const raw = names.map((t) => (t === 'pothole' ? 2 : t === 'main' ? 1 : 0) * idf(t));
    const norm = Math.hypot(...raw);
    raw.forEach((v, i) => expect(rows[0][i]).toBeCloseTo(v / norm, 6));
  });

  it('adds bigrams to the vocabulary when asked', () => {
    const { names } = vectorize({ kind: 'text', maxTokens: 20, mode: 'bow', bigrams: true }, ['x']);
    expect(names).toContain('on main');
    expect(names).toContain('pothole pothole');
  });
});
