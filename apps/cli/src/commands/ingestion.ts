import type { Command } from 'commander';

/** The ingestion commands (added by the ingestion service's issue). */
export function registerIngestion(_program: Command): void {
  // no commands yet
}
