/**
 * A small kustomize, for rendering deploy/k8s offline in the test run. It supports exactly the
 * kustomization fields the manifests use, with kustomize's semantics, and refuses every other
 * field instead of ignoring it:
 *   resources (files), bases (directories holding a kustomization),
 *   patchesJson6902 (target + path), namespace, images (name, newName, newTag, digest).
 * Order within one kustomization, as in kustomize: load resources and bases (each base fully
 * rendered first), apply the JSON patches, then the namespace and image transformers.
 * The same overlays also render with kustomize v2.0.3 (kubectl 1.20) and current kustomize;
 * kustomize.spec.ts compares the two when a kubectl is installed.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { applyPatch, asPatch } from './json-patch';
import { readYamlFile } from './yaml-files';

/** A Kubernetes object as rendered. */
export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Target {
  group?: string;
  version: string;
  kind: string;
  name: string;
  namespace?: string;
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

const FIELDS = ['apiVersion', 'kind', 'resources', 'bases', 'namespace', 'images', 'patchesJson6902'];
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Kinds the namespace transformer must leave alone; none are used, so meeting one is an error. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass',
  'StorageClass', 'PersistentVolume', 'APIService', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'IngressClass', 'RuntimeClass', 'Node',
]);

function fail(dir: string, message: string): never {
  throw new Error(`kustomize ${dir}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The kustomization file of a directory, or undefined when there is none. */
export function kustomizationFile(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

function readKustomization(dir: string): Record<string, unknown> {
  const file = kustomizationFile(dir);
  if (!file) fail(dir, 'no kustomization.yaml');
  const docs = readYamlFile(file);
  if (docs.length !== 1 || !isObject(docs[0])) fail(dir, 'kustomization must be one YAML mapping');
  const k = docs[0];
  const unknown = Object.keys(k).filter((key) => !FIELDS.includes(key));
  if (unknown.length) fail(dir, `unsupported kustomization fields: ${unknown.join(', ')}`);
  if (k.apiVersion !== undefined && k.apiVersion !== 'kustomize.config.k8s.io/v1beta1') {
    fail(dir, `unsupported apiVersion ${String(k.apiVersion)}`);
  }
  if (k.kind !== undefined && k.kind !== 'Kustomization') fail(dir, `unsupported kind ${String(k.kind)}`);
  return k;
}

function stringList(dir: string, k: Record<string, unknown>, field: string): string[] {
  const v = k[field];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(dir, `${field} must be a list of paths`);
  return v as string[];
}

/** Files must stay inside the kustomization's directory (kustomize's default load restrictor). */
function fileInside(dir: string, path: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (isAbsolute(path) || rel.startsWith('..')) fail(dir, `${path} is outside the kustomization root`);
  return full;
}

function asResource(dir: string, doc: unknown, source: string): Resource {
  if (!isObject(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
    fail(dir, `${source}: every document needs apiVersion and kind`);
  }
  const md = doc.metadata;
  if (!isObject(md) || typeof md.name !== 'string' || md.name === '') fail(dir, `${source}: metadata.name is required`);
  if (doc.kind === 'List') fail(dir, `${source}: List documents are not supported`);
  return doc as Resource;
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** kustomize's resource identity: group, kind, namespace and name. */
export function resourceId(r: Resource): string {
  return `${groupVersion(r.apiVersion).group}/${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
}

function loadResources(dir: string, k: Record<string, unknown>): Resource[] {
  const out: Resource[] = [];
  for (const base of stringList(dir, k, 'bases')) {
    const full = resolve(dir, base);
    if (!existsSync(full) || !statSync(full).isDirectory()) fail(dir, `base ${base} is not a directory`);
    out.push(...render(full));
  }
  for (const entry of stringList(dir, k, 'resources')) {
    const full = resolve(dir, entry);
    if (existsSync(full) && statSync(full).isDirectory()) {
      fail(dir, `resource ${entry} is a directory: list it under bases (kustomize v2.0.3 reads resources as files)`);
    }
    const file = fileInside(dir, entry);
    if (!existsSync(file)) fail(dir, `resource ${entry} does not exist`);
    out.push(...readYamlFile(file).map((doc) => asResource(dir, doc, entry)));
  }
  const seen = new Set<string>();
  for (const r of out) {
    const id = resourceId(r);
    if (seen.has(id)) fail(dir, `resource ${id} is defined twice`);
    seen.add(id);
  }
  return out;
}

function asTarget(dir: string, t: unknown, i: number): Target {
  if (!isObject(t)) fail(dir, `patchesJson6902[${i}].target is required`);
  const unknown = Object.keys(t).filter((key) => !['group', 'version', 'kind', 'name', 'namespace'].includes(key));
  if (unknown.length) fail(dir, `patchesJson6902[${i}].target: unsupported fields ${unknown.join(', ')}`);
  for (const key of ['version', 'kind', 'name']) {
    if (typeof t[key] !== 'string') fail(dir, `patchesJson6902[${i}].target.${key} is required`);
  }
  return t as unknown as Target;
}

function applyJsonPatches(dir: string, k: Record<string, unknown>, resources: Resource[]): Resource[] {
  const entries = k.patchesJson6902 ?? [];
  if (!Array.isArray(entries)) fail(dir, 'patchesJson6902 must be a list');
  let out = resources;
  entries.forEach((entry: unknown, i: number) => {
    if (!isObject(entry)) fail(dir, `patchesJson6902[${i}] must be a mapping`);
    const unknown = Object.keys(entry).filter((key) => !['target', 'path'].includes(key));
    if (unknown.length) fail(dir, `patchesJson6902[${i}]: unsupported fields ${unknown.join(', ')}`);
    const target = asTarget(dir, entry.target, i);
    if (typeof entry.path !== 'string') fail(dir, `patchesJson6902[${i}].path is required`);
    const file = fileInside(dir, entry.path);
    const docs = readYamlFile(file);
    if (docs.length !== 1) fail(dir, `${entry.path}: a patch file holds one list of operations`);
    const ops = asPatch(docs[0], file);
    const matches = out.filter((r) => {
      const gv = groupVersion(r.apiVersion);
      return (
        gv.group === (target.group ?? '') &&
        gv.version === target.version &&
        r.kind === target.kind &&
        r.metadata.name === target.name &&
        (target.namespace === undefined || (r.metadata.namespace ?? '') === target.namespace)
      );
    });
    if (matches.length !== 1) {
      fail(dir, `patchesJson6902[${i}]: target ${target.kind}/${target.name} matches ${matches.length} resources`);
    }
    out = out.map((r) => (r === matches[0] ? asResource(dir, applyPatch(r, ops), entry.path as string) : r));
  });
  return out;
}

function setNamespace(dir: string, k: Record<string, unknown>, resources: Resource[]): Resource[] {
  if (k.namespace === undefined) return resources;
  const ns = k.namespace;
  if (typeof ns !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) fail(dir, `bad namespace ${String(ns)}`);
  return resources.map((r) => {
    if (CLUSTER_SCOPED.has(r.kind)) fail(dir, `cluster-scoped ${r.kind} is not supported with namespace`);
    return { ...r, metadata: { ...r.metadata, namespace: ns } };
  });
}

function imageRules(dir: string, k: Record<string, unknown>): ImageRule[] {
  const rules = k.images ?? [];
  if (!Array.isArray(rules)) fail(dir, 'images must be a list');
  return rules.map((rule: unknown, i: number) => {
    if (!isObject(rule) || typeof rule.name !== 'string') fail(dir, `images[${i}].name is required`);
    const unknown = Object.keys(rule).filter((key) => !['name', 'newName', 'newTag', 'digest'].includes(key));
    if (unknown.length) fail(dir, `images[${i}]: unsupported fields ${unknown.join(', ')}`);
    for (const key of ['newName', 'newTag', 'digest']) {
      if (rule[key] !== undefined && typeof rule[key] !== 'string') fail(dir, `images[${i}].${key} must be a string`);
    }
    return rule as unknown as ImageRule;
  });
}

/** Splits "registry:5000/repo/name:tag@sha256:..." into name and the tag/digest suffix. */
export function splitImage(image: string): { name: string; suffix: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { name: image.slice(0, at), suffix: image.slice(at) };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return { name: image.slice(0, colon), suffix: image.slice(colon) };
  return { name: image, suffix: '' };
}

function retag(image: string, rules: ImageRule[]): string {
  const { name, suffix } = splitImage(image);
  const rule = rules.find((r) => r.name === name);
  if (!rule) return image;
  const tail = rule.digest !== undefined ? `@${rule.digest}` : rule.newTag !== undefined ? `:${rule.newTag}` : suffix;
  return `${rule.newName ?? name}${tail}`;
}

/** kustomize's image transformer: rewrites `image` in every containers/initContainers list. */
function setImages(value: unknown, rules: ImageRule[]): unknown {
  if (Array.isArray(value)) return value.map((v) => setImages(v, rules));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(v)) {
      out[key] = v.map((c) =>
        isObject(c) && typeof c.image === 'string' ? { ...c, image: retag(c.image, rules) } : c,
      );
    } else {
      out[key] = setImages(v, rules);
    }
  }
  return out;
}

/** Renders the kustomization in `dir` (like `kustomize build dir`). Throws on anything unsupported. */
export function render(dir: string): Resource[] {
  const k = readKustomization(dir);
  let resources = loadResources(dir, k);
  resources = applyJsonPatches(dir, k, resources);
  resources = setNamespace(dir, k, resources);
  const rules = imageRules(dir, k);
  if (rules.length) resources = resources.map((r) => setImages(r, rules) as Resource);
  return resources;
}
