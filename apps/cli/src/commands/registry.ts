import type { Command } from 'commander';

/** The registry commands (added by the registry service's issue). */
export function registerRegistry(_program: Command): void {
  // no commands yet
}
