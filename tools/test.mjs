#!/usr/bin/env node
// The workspace test command: build the bundles that tests spawn (cityml up, the apps),
// then one jest run over every project with one Postgres (DATABASE_URL or embedded).
// Extra arguments go to jest, e.g. `npm test -- --selectProjects runtime`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, [join(root, 'tools/build.mjs')]);
run(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), ...process.argv.slice(2)]);
