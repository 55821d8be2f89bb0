import type { BundleSignature } from '@cityml/ml/bundle';
import { registry } from '@cityml/proto';
import { InvalidArgumentError } from '@cityml/runtime';

const { OutputKind } = registry;

/**
 * Checks a declared signature of an imported model and converts it to the bundle's
 * form. INVALID_ARGUMENT naming the field: at least one input, each with a name and a
 * shape of positive sizes or -1; an output kind; class labels for classification
 * (at least two, distinct); a horizon for forecasting.
 */
export function bundleSignature(s: registry.Signature | undefined): BundleSignature {
  if (!s) throw InvalidArgumentError.field('signature', 'is required');
  if (!s.inputs.length) throw InvalidArgumentError.field('signature.inputs', 'needs at least one input');
  const names = new Set<string>();
  const inputs = s.inputs.map((input, i) => {
    const field = `signature.inputs[${i}]`;
    if (!input.name) throw InvalidArgumentError.field(`${field}.name`, 'is required');
    if (names.has(input.name)) throw InvalidArgumentError.field(`${field}.name`, `duplicate input ${JSON.stringify(input.name)}`);
    names.add(input.name);
    if (input.dtype && input.dtype !== 'float32') throw InvalidArgumentError.field(`${field}.dtype`, 'only float32 inputs are supported');
    if (!input.shape.length) throw InvalidArgumentError.field(`${field}.shape`, 'is required (e.g. [-1, 3])');
    if (input.shape.some((d) => d !== -1 && !(Number.isSafeInteger(d) && d > 0))) throw InvalidArgumentError.field(`${field}.shape`, 'sizes must be positive or -1');
    return { name: input.name, dtype: 'float32', shape: input.shape.map(Number) };
  });
  const base = { inputs, inputColumns: s.inputColumns.length ? s.inputColumns : undefined, target: s.target || undefined };
  switch (s.outputKind) {
    case OutputKind.OUTPUT_KIND_REGRESSION:
      return { ...base, outputKind: 'regression' };
    case OutputKind.OUTPUT_KIND_CLASSIFICATION:
      if (s.classLabels.length < 2) throw InvalidArgumentError.field('signature.class_labels', 'classification needs at least two class labels');
      if (new Set(s.classLabels).size !== s.classLabels.length) throw InvalidArgumentError.field('signature.class_labels', 'labels must be distinct');
      return { ...base, outputKind: 'classification', classLabels: s.classLabels };
    case OutputKind.OUTPUT_KIND_FORECAST:
      if (!s.horizon) throw InvalidArgumentError.field('signature.horizon', 'forecasting needs a horizon of at least 1');
      return { ...base, outputKind: 'forecast', horizon: s.horizon };
    default:
      throw InvalidArgumentError.field('signature.output_kind', 'must be REGRESSION, CLASSIFICATION or FORECAST');
  }
}

/** The number of output units a signature implies (binary classification may also use 1). */
export function outputUnits(s: BundleSignature): number[] {
  if (s.outputKind === 'classification') return s.classLabels!.length === 2 ? [2, 1] : [s.classLabels!.length];
  if (s.outputKind === 'forecast') return [s.horizon!];
  return [1];
}
