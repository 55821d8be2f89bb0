// The training service alone: `node dist/apps/training/main.js`, configured by environment.
import { runServiceMain } from '@cityml/platform';

void runServiceMain({ services: ['training'] });
