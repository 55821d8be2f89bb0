import { preprocessing } from '@cityml/proto';
import type { NetIO } from './train/types';

const TASKS: Record<number, NetIO['task'] | undefined> = {
  [preprocessing.Task.TASK_REGRESSION]: 'regression',
  [preprocessing.Task.TASK_CLASSIFICATION]: 'classification',
  [preprocessing.Task.TASK_FORECAST]: 'forecast',
  [preprocessing.Task.TASK_TEXT_CLASSIFICATION]: 'text_classification',
};

/** The task of a feature set (undefined when its spec names none). */
export function taskOf(fs: preprocessing.FeatureSet): NetIO['task'] | undefined {
  return TASKS[fs.spec?.task ?? 0];
}

/** What a network trained on this feature set reads and writes. */
export function ioOf(fs: preprocessing.FeatureSet): NetIO {
  const task = taskOf(fs) ?? 'regression';
  const inputShape = fs.inputShape?.length ? fs.inputShape.map(Number) : (fs.train?.xShape ?? []).slice(1).map(Number);
  const yWidth = Number(fs.train?.yShape?.[1] ?? 1);
  const outputSize = fs.outputSize || (task === 'classification' || task === 'text_classification' ? fs.classLabels.length : yWidth);
  return { task, inputShape, outputSize };
}
