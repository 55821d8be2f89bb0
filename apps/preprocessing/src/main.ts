// The preprocessing service alone: `node dist/apps/preprocessing/main.js`, configured by environment.
import { runServiceMain } from '@cityml/platform';

void runServiceMain({ services: ['preprocessing'] });
