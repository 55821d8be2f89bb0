import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applyPatch, asPatch } from './json-patch';
import { render, resourceId, splitImage, type Resource } from './kustomize';
import { BASE_DIR, CNPG_DIR, OVERLAYS, overlayDir, renderOverlay } from './manifests';
import { parseYamlDocuments } from './yaml-files';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kustomize-spec-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      initContainers:
        - name: init
          image: app
      containers:
        - name: web
          image: app:1.0
        - name: sidecar
          image: docker.io/library/other:2
`;

describe('the kustomize renderer', () => {
  it('renders a base through an overlay with patches, then namespace and images', () => {
    write({
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'base/deployment.yaml': deployment,
      'overlay/kustomization.yaml': [
        'namespace: team',
        'bases:',
        '  - ../base',
        'images:',
        '  - name: app',
        '    newName: registry.example.com/app',
        '    newTag: "2.0"',
        'patchesJson6902:',
        '  - target: {group: apps, version: v1, kind: Deployment, name: web}',
        '    path: patch.yaml',
      ].join('\n'),
      'overlay/patch.yaml': '- op: replace\n  path: /spec/replicas\n  value: 5\n',
    });
    const [d] = render(join(root, 'overlay'));
    expect(d.metadata.namespace).toBe('team');
    expect((d.spec as { replicas: number }).replicas).toBe(5);
    const pod = (d.spec as { template: { spec: Record<string, { image: string }[]> } }).template.spec;
    expect(pod.initContainers[0].image).toBe('registry.example.com/app:2.0');
    expect(pod.containers.map((c) => c.image)).toEqual(['registry.example.com/app:2.0', 'docker.io/library/other:2']);
  });

  it('keeps an image tag when a rule sets only newName, and prefers a digest over a tag', () => {
    write({
      'a/kustomization.yaml': 'resources: [deployment.yaml]\nimages:\n  - name: app\n    newName: mirror/app\n',
      'a/deployment.yaml': deployment,
      'b/kustomization.yaml': 'resources: [deployment.yaml]\nimages:\n  - name: app\n    newTag: x\n    digest: sha256:abc\n',
      'b/deployment.yaml': deployment,
    });
    const image = (r: Resource) => (r.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image;
    expect(image(render(join(root, 'a'))[0])).toBe('mirror/app:1.0');
    expect(image(render(join(root, 'b'))[0])).toBe('app@sha256:abc');
    expect(splitImage('registry:5000/team/app')).toEqual({ name: 'registry:5000/team/app', suffix: '' });
    expect(splitImage('registry:5000/team/app:1@sha256:f')).toEqual({ name: 'registry:5000/team/app:1', suffix: '@sha256:f' });
  });

  it.each([
    ['an unsupported field', 'resources: [deployment.yaml]\ncommonLabels: {a: b}\n', /unsupported kustomization fields: commonLabels/],
    ['a patch whose target is missing', 'resources: [deployment.yaml]\npatchesJson6902:\n  - target: {group: apps, version: v1, kind: Deployment, name: nope}\n    path: p.yaml\n', /matches 0 resources/],
    ['a resource outside the root', 'resources: [../elsewhere.yaml]\n', /outside the kustomization root/],
    ['a directory under resources', 'resources: [sub]\n', /list it under bases/],
    ['a duplicate resource', 'resources: [deployment.yaml, deployment.yaml]\n', /defined twice/],
    ['an unknown image field', 'resources: [deployment.yaml]\nimages:\n  - name: app\n    newtag: "2"\n', /unsupported fields newtag/],
  ])('refuses %s', (_what, kustomization, error) => {
    write({
      'k/kustomization.yaml': kustomization,
      'k/deployment.yaml': deployment,
      'k/p.yaml': '- op: remove\n  path: /spec/replicas\n',
      'k/sub/kustomization.yaml': 'resources: []\n',
      'elsewhere.yaml': deployment,
    });
    expect(() => render(join(root, 'k'))).toThrow(error);
  });
});

describe('the JSON patch subset', () => {
  const doc = { a: { list: [1, 2], key: 'v' } };

  it('adds, inserts, replaces, removes and tests as RFC 6902 says', () => {
    const out = applyPatch(
      doc,
      asPatch(
        [
          { op: 'add', path: '/a/list/-', value: 3 },
          { op: 'add', path: '/a/list/0', value: 0 },
          { op: 'replace', path: '/a/key', value: 'w' },
          { op: 'add', path: '/a/new~1key', value: { x: 1 } },
          { op: 'remove', path: '/a/list/1' },
          { op: 'test', path: '/a/list', value: [0, 2, 3] },
        ],
        'spec',
      ),
    );
    expect(out).toEqual({ a: { list: [0, 2, 3], key: 'w', 'new/key': { x: 1 } } });
    expect(doc).toEqual({ a: { list: [1, 2], key: 'v' } });
  });

  it.each([
    [{ op: 'replace', path: '/a/missing', value: 1 }, /does not exist/],
    [{ op: 'remove', path: '/a/list/2' }, /out of range/],
    [{ op: 'add', path: '/nope/x', value: 1 }, /does not exist/],
    [{ op: 'test', path: '/a/key', value: 'other' }, /test failed/],
    [{ op: 'move', from: '/a', path: '/b' }, /unsupported/],
  ])('fails on %j', (op, error) => {
    expect(() => applyPatch(doc, asPatch([op], 'spec'))).toThrow(error);
  });
});

describe('YAML reading', () => {
  it('refuses scalars that YAML 1.1 (kustomize, kubectl) and YAML 1.2 read differently', () => {
    expect(() => parseYamlDocuments('a: on\n', 'x.yaml')).toThrow(/YAML 1.1 and 1.2/);
    expect(() => parseYamlDocuments('mode: 0440\n', 'x.yaml')).toThrow(/YAML 1.1 and 1.2/);
    expect(parseYamlDocuments('a: "on"\nmode: 288\n---\n', 'x.yaml')).toEqual([{ a: 'on', mode: 288 }]);
  });

  it('refuses duplicate keys', () => {
    expect(() => parseYamlDocuments('a: 1\na: 2\n', 'x.yaml')).toThrow(/x.yaml/);
  });
});

describe('the deploy/k8s kustomizations', () => {
  it.each(OVERLAYS)('overlay %s renders every base resource, namespaced and with a real image', (overlay) => {
    const base = render(BASE_DIR);
    const rendered = renderOverlay(overlay);
    expect(rendered.map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual(
      base.map((r) => `${r.kind}/${r.metadata.name}`).sort(),
    );
    const namespaces = new Set(rendered.map((r) => r.metadata.namespace));
    expect(namespaces.size).toBe(1);
    expect([...namespaces][0]).toMatch(/^cityml/);
    const images = JSON.stringify(rendered).match(/"image":"[^"]*"/g) ?? [];
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/"image":"[^"]+:[^":]+"/);
  });

  it('the optional CloudNativePG kustomization renders the Cluster', () => {
    expect(render(CNPG_DIR).map(resourceId)).toEqual(['postgresql.cnpg.io/Cluster/cityml/cityml-pg']);
  });

  // CI machines need nothing installed; where a kubectl is present, compare with real kustomize.
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const withKubectl = kubectl.status === 0 ? it : it.skip;
  const sorted = (rs: unknown[]) =>
    [...(rs as Resource[])].sort((a, b) => resourceId(a).localeCompare(resourceId(b)));

  withKubectl.each([...OVERLAYS.map((o) => overlayDir(o)), BASE_DIR, CNPG_DIR])(
    'renders %s exactly as `kubectl kustomize` does',
    (dir) => {
      const real = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(real.stderr.replace(/^# Warning: '(bases|patchesJson6902)' is deprecated.*\n/gm, '')).toBe('');
      expect(real.status).toBe(0);
      expect(sorted(parseYamlDocuments(real.stdout, `kubectl kustomize ${dir}`))).toEqual(sorted(render(dir)));
    },
  );
});
