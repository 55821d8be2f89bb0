#!/usr/bin/env node
// The workspace test command: type-check and lint the workspace, build the bundles that
// tests spawn (cityml up, the apps), then one jest run over every project with one
// Postgres (DATABASE_URL or embedded). Extra arguments go to jest and skip the
// type-check and lint, e.g. `npm test -- --selectProjects runtime`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', ...process.env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const jestArgs = process.argv.slice(2);
if (jestArgs.length === 0) {
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--noEmit']);
  // The module-boundary lint rule reads Nx's project graph; computing it once caches it.
  spawnSync(process.execPath, [join(root, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects'], { cwd: root, stdio: 'ignore', env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', ...process.env } });
  run(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings', '0', root]);
}
run(process.execPath, [join(root, 'tools/build.mjs')]);
run(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), ...jestArgs]);
