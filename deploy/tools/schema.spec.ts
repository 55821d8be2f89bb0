import { CRD_SCHEMAS, loadCrdSchema, validateCustomResource } from './crd-schema';
import type { Resource } from './kustomize';
import { allManifests, findResource, renderOverlay, type Labelled } from './manifests';
import { validateWithModels } from './models';
import { typeCheck, TYPE_MODULES } from './strict-types';

const manifests = allManifests();
const builtIn = manifests.filter((m) => m.object.apiVersion in TYPE_MODULES);
const custom = manifests.filter((m) => !(m.object.apiVersion in TYPE_MODULES));

// The edits deliberately break the manifests' types, so the copy is untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function withTypo(object: Resource, edit: (copy: any) => void): Resource {
  const copy = structuredClone(object);
  edit(copy);
  return copy;
}

describe('every manifest deploy/ ships', () => {
  it('is a built-in kind with kubernetes-types, or a custom resource with a vendored CRD schema', () => {
    expect(builtIn.length).toBeGreaterThan(40);
    for (const { label, object } of custom) {
      expect([label, CRD_SCHEMAS[`${object.apiVersion} ${object.kind}`]]).toEqual([label, expect.any(String)]);
    }
  });

  it('validates against the Kubernetes schemas (kubernetes-models .validate())', () => {
    const failures = validateWithModels(builtIn).filter((r) => r.error !== null);
    expect(failures).toEqual([]);
  });

  it('has no unknown field and no wrong type (type-checked against kubernetes-types)', () => {
    expect(typeCheck(builtIn)).toEqual([]);
  });

  it('custom resources have no unknown field (strict against their CRD schema)', () => {
    for (const { label, object } of custom) {
      const crd = loadCrdSchema(CRD_SCHEMAS[`${object.apiVersion} ${object.kind}`]);
      expect([label, validateCustomResource(object, crd)]).toEqual([label, []]);
    }
  });
});

describe('the strict checks catch what kubernetes-models lets through', () => {
  const deployment = findResource(renderOverlay('prod'), 'Deployment', 'cityml-inference');
  const misspelled: Labelled[] = [
    {
      label: 'container field',
      object: withTypo(deployment, (d) => {
        d.spec.template.spec.containers[0].imagePullPolcy = 'Always';
      }),
    },
    {
      label: 'pod field',
      object: withTypo(deployment, (d) => {
        d.spec.template.spec.securityContxt = { runAsNonRoot: true };
      }),
    },
    {
      label: 'probe field',
      object: withTypo(deployment, (d) => {
        d.spec.template.spec.containers[0].readinessProbe.grpc.prot = 50052;
      }),
    },
  ];

  it('kubernetes-models alone accepts a misspelled field', () => {
    expect(validateWithModels(misspelled).map((r) => r.error)).toEqual([null, null, null]);
  });

  it('the kubernetes-types check rejects each misspelled field, naming it and its manifest', () => {
    const problems = typeCheck(misspelled);
    expect(problems.map((p) => p.label)).toEqual(['container field', 'pod field', 'probe field']);
    expect(problems[0].message).toMatch(/'"imagePullPolcy"' does not exist in type 'Container'/);
    expect(problems[1].message).toMatch(/'"securityContxt"' does not exist in type 'PodSpec'/);
    expect(problems[2].message).toMatch(/'"prot"' does not exist in type 'GRPCAction'/);
  });

  it('the kubernetes-types check rejects a wrong value type, as kubernetes-models does', () => {
    const wrong = [{ label: 'replicas', object: withTypo(deployment, (d) => (d.spec.replicas = 'three')) }];
    expect(typeCheck(wrong).map((p) => p.label)).toEqual(['replicas']);
    expect(validateWithModels(wrong)[0].error).toMatch(/replicas must be integer/);
  });

  it('the CRD schema check rejects a misspelled CloudNativePG field and a bad enum', () => {
    const cluster = custom.find((m) => m.object.kind === 'Cluster')!.object;
    const crd = loadCrdSchema(CRD_SCHEMAS['postgresql.cnpg.io/v1 Cluster']);
    const typo = withTypo(cluster, (c) => {
      c.spec.storage.sise = '10Gi';
      c.spec.primaryUpdateStrategy = 'sometimes';
      c.spec.instances = '3';
    });
    expect(validateCustomResource(typo, crd)).toEqual([
      '/spec/instances: must be an integer',
      '/spec/primaryUpdateStrategy: must be one of unsupervised, supervised',
      '/spec/storage/sise: unknown field "sise"',
    ]);
  });
});
