#!/usr/bin/env node
// Bundles every app (and the libraries SDK consumers install) with esbuild into dist/.
// Workspace libraries (@cityml/*) are bundled from source through tsconfig paths;
// every other package stays external and is loaded from node_modules at run time.
// Usage: node tools/build.mjs [project ...]   (no argument: everything)
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** name → { entries: {outName: srcPath}, outdir } for every project that has a build. */
function targets() {
  const out = {};
  for (const base of ['apps', 'libs', 'libs/services']) {
    for (const dir of readdirSync(join(root, base))) {
      const projectFile = join(root, base, dir, 'project.json');
      if (!existsSync(projectFile)) continue;
      const { name } = JSON.parse(readFileSync(projectFile, 'utf8'));
      const src = join(root, base, dir, 'src');
      const entries = {};
      for (const file of ['main.ts', 'index.ts', 'worker.ts']) {
        if (existsSync(join(src, file))) entries[file.replace(/\.ts$/, '')] = join(src, file);
      }
      const fixtures = join(src, 'fixtures'); // test fixtures that tests run as processes
      if (existsSync(fixtures)) {
        for (const f of readdirSync(fixtures).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) entries[`fixtures/${f.replace(/\.ts$/, '')}`] = join(fixtures, f);
      }
      const extra = join(src, 'entries.json'); // optional extra entry points (e.g. worker threads)
      if (existsSync(extra)) {
        for (const [k, v] of Object.entries(JSON.parse(readFileSync(extra, 'utf8')))) entries[k] = join(src, v);
      }
      if (Object.keys(entries).length) out[name] = { entries, outdir: join(root, 'dist', base, dir) };
    }
  }
  return out;
}

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@cityml/')) return undefined; // bundled via tsconfig paths
      return { path: args.path, external: true };
    });
  },
};

const all = targets();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(all);
await Promise.all(
  names
    .filter((n) => all[n])
    .map((n) =>
      build({
        entryPoints: all[n].entries,
        outdir: all[n].outdir,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: true,
        tsconfig: join(root, 'tsconfig.base.json'),
        loader: { '.sql': 'text', '.proto': 'text' },
        plugins: [externalPackages],
        logLevel: 'warning',
      }),
    ),
);
const cli = join(root, 'dist/apps/cli/main.js');
if (existsSync(cli)) chmodSync(cli, 0o755);
