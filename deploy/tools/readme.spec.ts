/**
 * deploy/README.md stays true to the manifests: its CloudNativePG examples are valid against
 * the vendored CRD schemas, its prometheus-adapter rule is the one shipped, and the deploy/
 * paths it names exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_SCHEMAS, loadCrdSchema, validateCustomResource } from './crd-schema';
import type { Resource } from './kustomize';
import { ADAPTER_VALUES, CNPG_DIR, DEPLOY_DIR, REPO_ROOT } from './manifests';
import { parseYamlDocuments, readYamlFile } from './yaml-files';

const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

function validate(object: Record<string, unknown>): string[] {
  const file = CRD_SCHEMAS[`${String(object.apiVersion)} ${String(object.kind)}`];
  if (!file) return [`no schema for ${String(object.apiVersion)} ${String(object.kind)}`];
  return validateCustomResource(object, loadCrdSchema(file));
}

describe('deploy/README.md', () => {
  it('its CloudNativePG examples validate against the CloudNativePG v1.30 CRD schemas', () => {
    const cluster = readYamlFile(join(CNPG_DIR, 'cluster.yaml'))[0] as Resource & { spec: Record<string, unknown> };
    const blocks = yamlBlocks.filter((b) => b.includes('postgresql.cnpg.io/v1'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    let checked = 0;
    for (const block of blocks) {
      for (const doc of parseYamlDocuments(block, 'README.md') as Record<string, unknown>[]) {
        // A fragment introduced by "# in cluster.yaml, under spec:" extends the shipped Cluster.
        const object = doc.apiVersion ? doc : { ...cluster, spec: { ...cluster.spec, ...doc } };
        if (!doc.apiVersion) expect(block.startsWith('# in cluster.yaml, under spec:')).toBe(true);
        expect([object.kind, validate(object)]).toEqual([object.kind, []]);
        checked++;
      }
    }
    expect(checked).toBe(3);
  });

  it('shows the prometheus-adapter rule that values.yaml ships', () => {
    const shown = yamlBlocks.map((b) => parseYamlDocuments(b, 'README.md')[0]).find((d) => JSON.stringify(d).includes('externalRules') || (d as { rules?: unknown })?.rules);
    expect(shown).toEqual(readYamlFile(ADAPTER_VALUES)[0]);
  });

  it('names only deploy/ paths that exist', () => {
    const paths = [...readme.matchAll(/\bdeploy\/[\w./-]*[\w/]/g)].map((m) => m[0]);
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect([path, existsSync(join(REPO_ROOT, path))]).toEqual([path, true]);
  });
});
