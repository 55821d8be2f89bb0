import { InvalidArgumentError } from '@cityml/runtime';
import type { MetricThreshold } from './store/versions';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** INVALID_ARGUMENT unless `name` is a model name (letters, digits, . _ -; up to 128). */
export function modelName(name: string, field = 'model_name'): string {
  if (!MODEL_NAME.test(name)) throw InvalidArgumentError.field(field, 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
  return name;
}

/** INVALID_ARGUMENT unless `alias` is an alias name (a letter, then letters, digits, _ -; up to 64). */
export function aliasName(alias: string, field = 'alias'): string {
  if (!ALIAS.test(alias)) throw InvalidArgumentError.field(field, 'must be 1-64 letters, digits, "_" or "-", starting with a letter');
  return alias;
}

/** INVALID_ARGUMENT unless `version` is a positive version number. */
export function versionNumber(version: number, field = 'version'): number {
  if (!Number.isSafeInteger(version) || version < 1) throw InvalidArgumentError.field(field, 'must be a positive version number');
  return version;
}

/** Parses a tag filter "key" or "key=value" ('' = no filter). */
export function tagFilter(tag: string): { tagKey?: string; tagValue?: string } {
  if (!tag) return {};
  const eq = tag.indexOf('=');
  const key = eq < 0 ? tag : tag.slice(0, eq);
  if (!key) throw InvalidArgumentError.field('tag', 'must be "key" or "key=value"');
  return eq < 0 ? { tagKey: key } : { tagKey: key, tagValue: tag.slice(eq + 1) };
}

const OPS = new Set(['<', '<=', '>', '>=']);

/** Validates metric thresholds. INVALID_ARGUMENT naming the bad filter. */
export function metricFilters(filters: { metric: string; op: string; value: number }[]): MetricThreshold[] {
  return filters.map((f, i) => {
    if (!f.metric) throw InvalidArgumentError.field(`metrics[${i}].metric`, 'is required');
    if (!OPS.has(f.op)) throw InvalidArgumentError.field(`metrics[${i}].op`, 'must be one of <, <=, >, >=');
    if (!Number.isFinite(f.value)) throw InvalidArgumentError.field(`metrics[${i}].value`, 'must be a finite number');
    return { metric: f.metric, op: f.op as MetricThreshold['op'], value: f.value };
  });
}

/** INVALID_ARGUMENT unless every tag key is non-empty. */
export function tags(t: Record<string, string>, field = 'tags'): Record<string, string> {
  for (const k of Object.keys(t)) if (!k) throw InvalidArgumentError.field(field, 'tag keys must not be empty');
  return t;
}
