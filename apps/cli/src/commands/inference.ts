import type { Command } from 'commander';

/** The inference commands (added by the inference service's issue). */
export function registerInference(_program: Command): void {
  // no commands yet
}
