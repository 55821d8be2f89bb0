import { SpecError } from '../errors';
import type { ColumnType } from '../frame/frame';
import type { Step } from './spec';
import { parseIsoDate } from './time-zone';

const KNOWN_KINDS = ['impute', 'clip', 'standardize', 'minmax', 'log1p', 'onehot', 'hash', 'datetime', 'weekend', 'holiday', 'text'];
const TIME_KINDS = new Set(['datetime', 'weekend', 'holiday']);
const SCALAR_KINDS = new Set(['impute', 'clip', 'standardize', 'minmax', 'log1p']);
const PARTS = new Set(['hour', 'day_of_week', 'month', 'day_of_year']);

/** Which steps each column type accepts. */
const ALLOWED: Record<ColumnType, Set<string>> = {
  number: new Set(['impute', 'clip', 'standardize', 'minmax', 'log1p']),
  integer: new Set(['impute', 'clip', 'standardize', 'minmax', 'log1p', 'onehot', 'hash']),
  boolean: new Set(['impute', 'clip', 'standardize', 'minmax', 'log1p', 'onehot', 'hash']),
  timestamp: new Set(['impute', 'standardize', 'minmax', 'datetime', 'weekend', 'holiday']),
  category: new Set(['impute', 'onehot', 'hash']),
  text: new Set(['impute', 'text']),
};

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function checkParams(step: Step, type: ColumnType, field: string): void {
  const fail = (msg: string) => {
    throw new SpecError(field, msg);
  };
  switch (step.kind) {
    case 'impute': {
      const text = type === 'category' || type === 'text';
      const ok = text ? ['most_frequent', 'constant'] : type === 'timestamp' ? ['mean', 'median', 'constant'] : ['mean', 'median', 'most_frequent', 'constant'];
      if (!ok.includes(step.strategy)) fail(`impute strategy ${String(step.strategy)} does not fit a ${type} column (use ${ok.join(', ')})`);
      if (step.strategy === 'constant') {
        if (step.value === undefined) fail('impute constant needs a value');
        if (!text && typeof step.value !== 'number') fail('impute constant of a numeric column needs a number');
      }
      return;
    }
    case 'clip':
      if (step.min === undefined && step.max === undefined) fail('clip needs min or max');
      if (step.min !== undefined && step.max !== undefined && step.min > step.max) fail('clip min is above max');
      return;
    case 'onehot':
      if (step.maxCategories !== undefined && !isInt(step.maxCategories, 1, 100_000)) fail('maxCategories must be an integer in 1..100000');
      return;
    case 'hash':
      if (!isInt(step.buckets, 1, 100_000)) fail('buckets must be an integer in 1..100000');
      return;
    case 'datetime':
      if (!Array.isArray(step.parts) || step.parts.length === 0) fail('datetime needs at least one part');
      for (const p of step.parts) if (!PARTS.has(p)) fail(`unknown datetime part ${String(p)}`);
      return;
    case 'holiday':
      if (!step.calendar && !(step.dates && step.dates.length)) fail('holiday needs dates or a calendar');
      if (step.calendar !== undefined && step.calendar !== 'us') fail(`unknown holiday calendar ${String(step.calendar)}`);
      for (const d of step.dates ?? []) {
        try {
          parseIsoDate(d);
        } catch {
          fail(`holiday date ${d} is not YYYY-MM-DD`);
        }
      }
      return;
    case 'text':
      if (!isInt(step.maxTokens, 1, 100_000)) fail('maxTokens must be an integer in 1..100000');
      if (step.mode !== 'bow' && step.mode !== 'tfidf') fail(`text mode must be bow or tfidf`);
      return;
    default:
      return;
  }
}

/**
 * Checks one feature column's step list against its column type and the ordering rules:
 * one-value steps first; then onehot / hash / text as the one last step, or any number of
 * time steps (datetime, weekend, holiday); category and text columns must end in an encoder.
 * @throws SpecError naming `features[i].steps[j]` (or `features[i].steps`).
 */
export function validateSteps(steps: readonly Step[], type: ColumnType, field: string): void {
  if (!Array.isArray(steps)) throw new SpecError(`${field}.steps`, 'steps must be a list');
  let expanders = 0;
  let timeExpanders = 0;
  steps.forEach((step, j) => {
    const f = `${field}.steps[${j}]`;
    if (!step || !KNOWN_KINDS.includes(step.kind)) throw new SpecError(f, `unknown step ${String(step?.kind)}`);
    if (!ALLOWED[type].has(step.kind)) throw new SpecError(f, `step ${step.kind} does not fit a column of type ${type}`);
    checkParams(step, type, f);
    if (SCALAR_KINDS.has(step.kind)) {
      if (expanders + timeExpanders > 0) throw new SpecError(f, `step ${step.kind} cannot follow an encoding step`);
      if (step.kind !== 'impute' && steps.some((s) => s.kind === 'onehot' || s.kind === 'hash' || TIME_KINDS.has(s.kind))) {
        throw new SpecError(f, `only impute may come before an encoding step`);
      }
    } else if (TIME_KINDS.has(step.kind)) {
      timeExpanders++;
    } else {
      if (expanders > 0 || timeExpanders > 0) throw new SpecError(f, `step ${step.kind} must be the only encoding step`);
      expanders++;
    }
  });
  if ((type === 'category' && expanders === 0) || (type === 'text' && expanders === 0)) {
    throw new SpecError(`${field}.steps`, `a ${type} column needs ${type === 'text' ? 'a text' : 'a onehot or hash'} step`);
  }
}
