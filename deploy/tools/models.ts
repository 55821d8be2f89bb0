/**
 * Schema validation with kubernetes-models (`new Model(object).validate()`), run through
 * validate-models.mjs in a node child process because the package is ESM only.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Labelled } from './manifests';

export interface ModelResult {
  label: string;
  /** The validator's message, or null when the object is valid. */
  error: string | null;
}

/** Validates each object with its kubernetes-models class; one result per item, in order. */
export function validateWithModels(items: Labelled[]): ModelResult[] {
  const child = spawnSync(process.execPath, [join(__dirname, 'validate-models.mjs')], {
    input: JSON.stringify(items),
    encoding: 'utf8',
    cwd: __dirname,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`validate-models.mjs failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout) as ModelResult[];
}
