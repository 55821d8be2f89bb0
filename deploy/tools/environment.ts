/**
 * The environment a container gets from the manifests: its envFrom ConfigMaps, then its env
 * entries (which win), with Secret values taken from the templates in deploy/k8s/secrets/.
 */
import type { Container } from 'kubernetes-types/core/v1';
import type { Resource } from './kustomize';
import { findResource, secretTemplates } from './manifests';

const secrets = secretTemplates();

/** The value of `key` in the Secret template `name`; throws when the template lacks it. */
export function secretValue(name: string, key: string): string {
  const secret = secrets.find((s) => s.metadata.name === name) as { stringData?: Record<string, string> } | undefined;
  const value = secret?.stringData?.[key];
  if (value === undefined) throw new Error(`secret ${name} key ${key} is not in deploy/k8s/secrets/`);
  return value;
}

/** Resolves a container's environment; throws on a source these manifests do not use. */
export function environment(resources: Resource[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (!from.configMapRef?.name || from.prefix || from.secretRef) throw new Error('only envFrom configMapRef is used');
    const cm = findResource(resources, 'ConfigMap', from.configMapRef.name) as unknown as { data: Record<string, string> };
    Object.assign(env, cm.data);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secretValue(e.valueFrom.secretKeyRef.name!, e.valueFrom.secretKeyRef.key);
    else throw new Error(`env ${e.name}: only value and secretKeyRef are used`);
  }
  return env;
}
