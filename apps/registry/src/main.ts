// The registry service alone: `node dist/apps/registry/main.js`, configured by environment.
import { runServiceMain } from '@cityml/platform';

void runServiceMain({ services: ['registry'] });
