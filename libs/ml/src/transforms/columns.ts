import { InputError } from '../errors';
import { FrameColumn, isNumericColumn } from '../frame/frame';
import {
  CategoryValues,
  categoryCodes,
  DEFAULT_MAX_CATEGORIES,
  fitOneHot,
  hashCodes,
  mostFrequentText,
  OTHER_CATEGORY,
  writeOneHot,
} from './categorical';
import { fitDatetime, localTimes, LocalTimes, timeStepNames, writeTimeStep } from './datetime';
import type { FittedColumn, FittedExpandStep } from './fitted';
import { applyScalarSteps, fitScalarSteps, numericValues } from './numeric';
import type { ExpandStep, FeatureColumnSpec, ScalarStep, Step } from './spec';
import { fitText, textNames, writeText } from './text';

const SCALAR_KINDS = new Set<Step['kind']>(['impute', 'clip', 'standardize', 'minmax', 'log1p']);

/** True for the one-value steps (impute, clip, standardize, minmax, log1p). */
export function isScalarStep(step: Step): step is ScalarStep {
  return SCALAR_KINDS.has(step.kind);
}

function expanderNames(step: FittedExpandStep, col: string): string[] {
  switch (step.kind) {
    case 'onehot':
      return [...step.categories.map((c) => `${col}=${c}`), `${col}=${OTHER_CATEGORY}`];
    case 'hash':
      return Array.from({ length: step.buckets }, (_, i) => `${col}#${i}`);
    case 'text':
      return textNames(step, col);
    default:
      return timeStepNames(step, col);
  }
}

function fitExpander(step: ExpandStep, cv: CategoryValues): FittedExpandStep {
  switch (step.kind) {
    case 'onehot':
      return fitOneHot(cv, step.maxCategories ?? DEFAULT_MAX_CATEGORIES);
    case 'hash':
      return { kind: 'hash', buckets: step.buckets };
    case 'text': {
      const t = cv as Extract<CategoryValues, { kind: 'text' }>;
      return fitText(step, t);
    }
    case 'datetime':
      return fitDatetime(step.parts, step.cyclical ?? true);
    case 'weekend':
      return { kind: 'weekend' };
    case 'holiday':
      return { kind: 'holiday', dates: [...(step.dates ?? [])], calendar: step.calendar ?? null };
  }
}

/**
 * Fits one feature column's steps on the train values: the scalar chain first (each step
 * fitted on the previous step's output), then the expanders on the result.
 */
export function fitColumn(spec: FeatureColumnSpec, col: FrameColumn): FittedColumn {
  const scalar = spec.steps.filter(isScalarStep);
  const expand = spec.steps.filter((s): s is ExpandStep => !isScalarStep(s));
  let fittedScalar: FittedColumn['scalar'] = [];
  let imputeText: string | null = null;
  let fittedExpand: FittedExpandStep[];
  if (isNumericColumn(col)) {
    const v = numericValues(col);
    fittedScalar = fitScalarSteps(scalar, v);
    const cv: CategoryValues = { kind: 'number', values: v };
    fittedExpand = expand.map((s) => fitExpander(s, cv));
  } else {
    const imp = scalar.find((s) => s.kind === 'impute');
    if (imp && imp.kind === 'impute') {
      imputeText = imp.strategy === 'constant' ? String(imp.value ?? '') : mostFrequentText(col.values, col.nulls);
    }
    const cv: CategoryValues = { kind: 'text', values: col.values, nulls: col.nulls, impute: imputeText };
    fittedExpand = expand.map((s) => fitExpander(s, cv));
  }
  const featureNames = fittedExpand.length
    ? fittedExpand.flatMap((s) => expanderNames(s, spec.column))
    : [spec.column];
  return { column: spec.column, type: col.type, scalar: fittedScalar, imputeText, expand: fittedExpand, featureNames };
}

/**
 * Writes a fitted column's features for every row of `col` into `out` (a zero-filled
 * row-major matrix) starting at column `offset`, with `stride` floats per row.
 * @throws InputError when the column's storage does not match the fitted type.
 */
export function applyColumn(
  f: FittedColumn,
  col: FrameColumn,
  out: Float32Array,
  stride: number,
  offset: number,
  timeZone: string,
): void {
  const fittedNumeric = f.type !== 'category' && f.type !== 'text';
  if (fittedNumeric !== isNumericColumn(col)) {
    throw new InputError(`column ${f.column} must be of type ${f.type}, got ${col.type}`, f.column);
  }
  let off = offset;
  if (!isNumericColumn(col)) {
    const cv = { kind: 'text' as const, values: col.values, nulls: col.nulls, impute: f.imputeText };
    for (const s of f.expand) {
      if (s.kind === 'onehot') writeOneHot(categoryCodes(cv, s.categories), out, stride, off);
      else if (s.kind === 'hash') writeOneHot(hashCodes(cv, s.buckets), out, stride, off);
      else if (s.kind === 'text') writeText(s, cv, out, stride, off);
      off += expanderNames(s, f.column).length;
    }
    return;
  }
  const v = numericValues(col);
  applyScalarSteps(f.scalar, v);
  if (f.expand.length === 0) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      out[i * stride + off] = x === x ? x : 0;
    }
    return;
  }
  let lt: LocalTimes | null = null;
  const cv: CategoryValues = { kind: 'number', values: v };
  for (const s of f.expand) {
    if (s.kind === 'onehot') writeOneHot(categoryCodes(cv, s.categories), out, stride, off);
    else if (s.kind === 'hash') writeOneHot(hashCodes(cv, s.buckets), out, stride, off);
    else {
      lt ??= localTimes(v, timeZone);
      writeTimeStep(s, lt, out, stride, off);
    }
    off += expanderNames(s, f.column).length;
  }
}

/** Number of features a fitted column writes. */
export function columnWidth(f: FittedColumn): number {
  return f.featureNames.length;
}

/**
 * The feature matrix of `frame` for the fitted columns: row-major [rowCount, width].
 * @throws InputError naming a fitted column the frame lacks.
 */
export function featureMatrix(
  cols: readonly FittedColumn[],
  frame: { rowCount: number; columns: Record<string, FrameColumn> },
  timeZone: string,
): { x: Float32Array; width: number } {
  const width = cols.reduce((s, c) => s + columnWidth(c), 0);
  const x = new Float32Array(frame.rowCount * width);
  let offset = 0;
  for (const c of cols) {
    const col = frame.columns[c.column];
    if (!col) throw new InputError(`missing column ${c.column}`, c.column);
    applyColumn(c, col, x, width, offset, timeZone);
    offset += columnWidth(c);
  }
  return { x, width };
}
