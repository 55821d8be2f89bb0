import { higherIsBetter, isBetter, type PrimaryMetric } from '@cityml/ml';
import type { evaluation } from '@cityml/proto';

/** Whether a candidate is blessed, and why (or why not). */
export interface Blessing {
  blessed: boolean;
  reason: string;
}

const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));

/**
 * The Evaluator's verdict: the candidate must beat every baseline on the task's primary
 * metric and, when the model has a production version, beat that version (re-scored on
 * the candidate's own test split, or its recorded evaluation when it reads other
 * inputs) by the relative `margin`.
 */
export function bless(
  candidate: evaluation.Evaluation,
  production: { version: number; evaluation?: evaluation.Evaluation; rescored: boolean } | undefined,
  margin: number,
): Blessing {
  const metric = candidate.primaryMetric as PrimaryMetric;
  const value = candidate.metrics[metric];
  if (value === undefined || !Number.isFinite(value)) return { blessed: false, reason: `the primary metric ${metric} could not be computed` };
  const dir = higherIsBetter(metric) ? 'higher' : 'lower';
  for (const b of candidate.baselines) {
    const ref = b.metrics[metric];
    if (ref !== undefined && !isBetter(metric, value, ref)) {
      return { blessed: false, reason: `${metric} ${fmt(value)} does not beat the ${b.name} baseline (${fmt(ref)}; ${dir} is better)` };
    }
  }
  const beaten = candidate.baselines.map((b) => `${b.name} ${fmt(b.metrics[metric])}`).join(', ');
  if (production) {
    const ref = production.evaluation?.metrics[metric];
    if (ref === undefined) return { blessed: false, reason: `production version ${production.version} has no ${metric} to compare with` };
    const how = production.rescored ? 're-scored on this test split' : 'as recorded (it reads other features)';
    if (!isBetter(metric, value, ref, { margin, relative: true })) {
      return {
        blessed: false,
        reason: `${metric} ${fmt(value)} does not beat production version ${production.version} (${fmt(ref)}, ${how}) by the margin ${margin}`,
      };
    }
    return { blessed: true, reason: `${metric} ${fmt(value)} beats the baselines (${beaten}) and production version ${production.version} (${fmt(ref)}, ${how})` };
  }
  return { blessed: true, reason: `${metric} ${fmt(value)} beats the baselines (${beaten || 'none'}); the model has no production version` };
}
