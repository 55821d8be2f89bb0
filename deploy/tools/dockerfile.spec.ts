/**
 * Static checks of deploy/Dockerfile and .dockerignore (no Docker engine here): a multi-stage
 * build on Node 20, a non-root runtime that matches the manifests' securityContext, and an
 * entrypoint that exists in the layout tools/build.mjs produces.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1';
import { dockerIgnored, execForm, parseInstructions, parseStages, workdir, type Stage } from './dockerfile';
import { DEPLOY_DIR, REPO_ROOT, renderOverlay } from './manifests';

const dockerfile = readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8');
const stages = parseStages(dockerfile);
const runtime = stages[stages.length - 1];
const builder = stages[0];
const rootPackage = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  engines: { node: string };
  scripts: Record<string, string>;
};

const last = (stage: Stage, keyword: string) => [...stage.instructions].reverse().find((i) => i.keyword === keyword);
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

describe('deploy/Dockerfile', () => {
  it('is a multi-stage build on node:20-bookworm-slim, with no unpinned or remote sources', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(builder.name).toBe('build');
    for (const s of stages) expect(s.image).toBe('node:20-bookworm-slim');
    expect(rootPackage.engines.node).toMatch(/>=\s*20/);
    expect(dockerfile).not.toMatch(/:latest\b/);
    expect(parseInstructions(dockerfile).filter((i) => i.keyword === 'ADD')).toEqual([]);
  });

  it('builds with npm ci and npm run build, then prunes dev dependencies, in the build stage', () => {
    const copyAll = builder.instructions.findIndex((i) => i.keyword === 'COPY' && /^\.\s+\.$/.test(i.args));
    const run = builder.instructions.findIndex((i) => i.keyword === 'RUN' && i.args.includes('npm ci'));
    expect(copyAll).toBeGreaterThanOrEqual(0);
    expect(run).toBeGreaterThan(copyAll); // `npm ci` runs the `prepare` script, which builds from the sources
    const script = builder.instructions[run].args;
    const order = ['npm ci', 'npm run build', 'npm prune --omit=dev'].map((step) => script.indexOf(step));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(rootPackage.scripts.build).toMatch(/tools\/build\.mjs/);
  });

  it('runtime stage: only the build output and production node_modules, as a non-root user', () => {
    const copies = all(runtime, 'COPY');
    expect(copies.every((c) => c.args.startsWith('--from=build '))).toBe(true);
    const sources = copies.map((c) => c.args.split(/\s+/)[1]);
    expect(sources).toEqual(expect.arrayContaining(['/app/dist', '/app/node_modules']));
    expect(all(runtime, 'RUN').some((r) => /npm (ci|install)/.test(r.args))).toBe(false);
    const user = last(runtime, 'USER')!.args.trim();
    expect(user).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/); // numeric, so runAsNonRoot can verify it
    expect(all(runtime, 'USER')).toHaveLength(1);
    expect(runtime.instructions.indexOf(last(runtime, 'USER')!)).toBeGreaterThan(runtime.instructions.indexOf(last(runtime, 'COPY')!));
  });

  it("runtime user is the manifests' runAsUser/runAsGroup", () => {
    const [uid, gid] = last(runtime, 'USER')!.args.trim().split(':').map(Number);
    for (const d of renderOverlay('prod').filter((r) => r.kind === 'Deployment') as unknown as Deployment[]) {
      expect(d.spec!.template.spec!.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: gid });
    }
  });

  it('the entrypoint is node on dist/apps/cli/main.js, which tools/build.mjs emits for apps/cli', () => {
    const entrypoint = execForm(last(runtime, 'ENTRYPOINT')!.args);
    expect(entrypoint).toHaveLength(2);
    expect(entrypoint![0]).toBe('node');
    const script = posix.resolve(workdir(runtime), entrypoint![1]);
    const copied = all(runtime, 'COPY').some((c) => {
      const dest = posix.resolve(workdir(runtime), c.args.split(/\s+/)[2]);
      return script.startsWith(`${dest}/`) && c.args.split(/\s+/)[1] === `/app/${posix.relative(workdir(builder), dest)}`;
    });
    expect(copied).toBe(true);
    const inRepo = posix.relative(workdir(runtime), script);
    expect(inRepo).toBe('dist/apps/cli/main.js');
    expect(rootPackage.bin.cityml).toBe(inRepo);
    expect(dockerfile).toContain(`test -f ${inRepo}`);
    // tools/build.mjs bundles apps/<dir>/src/main.ts to dist/apps/<dir>/main.js.
    const build = readFileSync(join(REPO_ROOT, 'tools', 'build.mjs'), 'utf8');
    expect(build).toMatch(/join\(root, 'dist', base, dir\)/);
    expect(build).toMatch(/'main\.ts'/);
    expect(existsSync(join(REPO_ROOT, 'apps', 'cli', 'project.json'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'apps', 'cli', 'src', 'main.ts'))).toBe(true);
  });

  it('CMD is `serve`; manifests run `serve <service>` or `migrate`; EXPOSE lists the config ports', () => {
    expect(execForm(last(runtime, 'CMD')!.args)).toEqual(['serve']);
    const prod = renderOverlay('prod');
    const commands = new Set(
      prod.flatMap((r) => {
        const pod = (r as unknown as Deployment).spec?.template?.spec;
        return pod ? pod.containers.map((c) => c.args?.[0]) : [];
      }),
    );
    expect([...commands].sort()).toEqual(['migrate', 'serve']);
    const config = (prod.find((r) => r.kind === 'ConfigMap') as unknown as { data: Record<string, string> }).data;
    const http = JSON.stringify(prod).match(/"name":"CITYML_HTTP_PORT","value":"(\d+)"/)![1];
    const exposed = last(runtime, 'EXPOSE')!.args.trim().split(/\s+/).sort();
    expect(exposed).toEqual([config.CITYML_PORT, config.CITYML_HEALTH_PORT, config.CITYML_METRICS_PORT, http].sort());
  });
});

describe('.dockerignore', () => {
  const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8');

  it('keeps local installs, build output, git and secrets out of the build context', () => {
    for (const path of ['node_modules', 'libs/db/node_modules/x', 'dist/apps/cli/main.js', '.git/HEAD', '.env', 'certs/server.key', 'deploy/k8s/base/kustomization.yaml']) {
      expect([path, dockerIgnored(ignore, path)]).toEqual([path, true]);
    }
  });

  it('keeps everything the build needs', () => {
    const needed = ['package.json', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.json', 'nx.json', 'tools/build.mjs', 'apps/cli/src/main.ts', 'libs/runtime/src/config.ts', 'proto/cityml'];
    for (const path of needed) expect([path, dockerIgnored(ignore, path)]).toEqual([path, false]);
  });

  it('matches like Docker: anchored patterns, ** for any depth, ! to re-include', () => {
    expect(dockerIgnored('dist\n', 'libs/dist')).toBe(false);
    expect(dockerIgnored('**/dist\n', 'libs/x/dist/y.js')).toBe(true);
    expect(dockerIgnored('*.md\n!README.md\n', 'README.md')).toBe(false);
    expect(dockerIgnored('*.md\n!README.md\n', 'CHANGES.md')).toBe(true);
  });
});
