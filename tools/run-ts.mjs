#!/usr/bin/env node
// Runs a TypeScript script of the workspace (benchmarks, examples): bundles it with
// esbuild the same way tools/build.mjs bundles the apps, then runs it with node.
// Usage: node tools/run-ts.mjs bench/ingestion.ts [args...]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tools/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
// Bundle next to the workspace so external packages resolve from its node_modules.
mkdirSync(join(root, 'dist'), { recursive: true });
const out = mkdtempSync(join(root, 'dist', '.run-'));
const outfile = join(out, basename(entry).replace(/\.ts$/, '.js'));
await build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  tsconfig: join(root, 'tsconfig.base.json'),
  loader: { '.sql': 'text' },
  plugins: [
    {
      name: 'external-packages',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@cityml/') ? undefined : { path: a.path, external: true }));
      },
    },
  ],
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
process.exit(r.status ?? 1);
