/**
 * Where the deploy/ artifacts are, and loaders that the checks share: every overlay rendered,
 * the secret templates, and the optional manifests.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { render, type Resource } from './kustomize';
import { readYamlFile } from './yaml-files';

export const REPO_ROOT = join(__dirname, '..', '..');
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const K8S_DIR = join(DEPLOY_DIR, 'k8s');
export const BASE_DIR = join(K8S_DIR, 'base');
export const SECRETS_DIR = join(K8S_DIR, 'secrets');
export const CNPG_DIR = join(K8S_DIR, 'optional', 'cloudnative-pg');
export const ADAPTER_VALUES = join(K8S_DIR, 'optional', 'prometheus-adapter', 'values.yaml');
export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** The services one image runs; each is a Deployment named cityml-<service>. */
export const SERVICES = ['ingestion', 'preprocessing', 'training', 'registry', 'inference'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** A manifest with where it came from, for error messages. */
export interface Labelled {
  label: string;
  object: Resource;
}

export function overlayDir(overlay: Overlay): string {
  return join(K8S_DIR, 'overlays', overlay);
}

export function renderOverlay(overlay: Overlay): Resource[] {
  return render(overlayDir(overlay));
}

/** The Secret templates (deploy/k8s/secrets/*.yaml): applied by hand, never by a kustomization. */
export function secretTemplates(): Resource[] {
  return readdirSync(SECRETS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => readYamlFile(join(SECRETS_DIR, f)) as Resource[]);
}

function labelled(source: string, objects: Resource[]): Labelled[] {
  return objects.map((object) => ({ label: `${source}: ${object.kind}/${object.metadata?.name}`, object }));
}

/** Every Kubernetes object deploy/ ships, rendered: base, overlays, secret templates, optional. */
export function allManifests(): Labelled[] {
  return [
    ...labelled('base', render(BASE_DIR)),
    ...OVERLAYS.flatMap((o) => labelled(`overlays/${o}`, renderOverlay(o))),
    ...labelled('secrets', secretTemplates()),
    ...labelled('optional/cloudnative-pg', render(CNPG_DIR)),
  ];
}

export function findResource(resources: Resource[], kind: string, name: string): Resource {
  const found = resources.filter((r) => r.kind === kind && r.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  return found[0];
}
