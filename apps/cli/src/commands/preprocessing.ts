import type { Command } from 'commander';

/** The preprocessing commands (added by the preprocessing service's issue). */
export function registerPreprocessing(_program: Command): void {
  // no commands yet
}
