// The ingestion service alone: `node dist/apps/ingestion/main.js`, configured by environment.
import { runServiceMain } from '@cityml/platform';

void runServiceMain({ services: ['ingestion'] });
