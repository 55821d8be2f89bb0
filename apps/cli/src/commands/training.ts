import type { Command } from 'commander';

/** The training commands (added by the training service's issue). */
export function registerTraining(_program: Command): void {
  // no commands yet
}
