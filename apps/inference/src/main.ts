// The inference service alone: `node dist/apps/inference/main.js`, configured by environment.
import { runServiceMain } from '@cityml/platform';

void runServiceMain({ services: ['inference'] });
