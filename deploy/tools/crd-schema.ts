/**
 * Strict validation of custom resources against their CRD's structural OpenAPI v3 schema, as
 * the API server applies it with field validation "Strict": a field the schema does not
 * declare is an error (unless x-kubernetes-preserve-unknown-fields or additionalProperties
 * allows it), and so are wrong types, enums, bounds and missing required fields. The CEL rules
 * (x-kubernetes-validations) and string formats are not evaluated.
 * The schemas live in deploy/tools/schemas/, copied from the upstream CRDs with the
 * descriptions removed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StructuralSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: boolean | StructuralSchema;
  items?: StructuralSchema;
  required?: string[];
  enum?: unknown[];
  anyOf?: StructuralSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
}

export interface CrdSchema {
  source: string;
  group: string;
  version: string;
  kind: string;
  schema: StructuralSchema;
}

/** Loads a vendored schema file from deploy/tools/schemas/. */
export function loadCrdSchema(file: string): CrdSchema {
  return JSON.parse(readFileSync(join(__dirname, 'schemas', file), 'utf8')) as CrdSchema;
}

/** The CRD schemas the optional manifests are checked against, by apiVersion and kind. */
export const CRD_SCHEMAS: Readonly<Record<string, string>> = {
  'postgresql.cnpg.io/v1 Cluster': 'cnpg-cluster-v1.30.0.json',
  'postgresql.cnpg.io/v1 ScheduledBackup': 'cnpg-scheduledbackup-v1.30.0.json',
};

const OBJECT_META_FIELDS = new Set(['name', 'namespace', 'labels', 'annotations']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeError(value: unknown, type: StructuralSchema['type']): string | undefined {
  switch (type) {
    case undefined:
      return undefined;
    case 'object':
      return isObject(value) ? undefined : 'must be an object';
    case 'array':
      return Array.isArray(value) ? undefined : 'must be an array';
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'must be an integer';
    case 'number':
      return typeof value === 'number' ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
  }
}

function checkScalar(value: unknown, schema: StructuralSchema, at: string, errors: string[]): void {
  if (schema.enum && !schema.enum.some((e) => e === value)) errors.push(`${at}: must be one of ${schema.enum.join(', ')}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: must be >= ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: must be <= ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: too short`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${at}: too long`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      errors.push(`${at}: does not match ${schema.pattern}`);
    }
  }
}

/** Validates `value` against `schema`; returns one message per problem (empty when valid). */
export function validateStructural(value: unknown, schema: StructuralSchema, at = ''): string[] {
  const errors: string[] = [];
  const here = at || '/';
  if (schema['x-kubernetes-int-or-string']) {
    if (!Number.isInteger(value) && typeof value !== 'string') errors.push(`${here}: must be an integer or a string`);
    return errors;
  }
  if (schema.anyOf && !schema.anyOf.some((s) => validateStructural(value, s, at).length === 0)) {
    errors.push(`${here}: matches none of anyOf`);
  }
  const wrongType = typeError(value, schema.type);
  if (wrongType) return [...errors, `${here}: ${wrongType}`];
  checkScalar(value, schema, here, errors);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${here}: too few items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${here}: too many items`);
    if (schema.items) value.forEach((item, i) => errors.push(...validateStructural(item, schema.items!, `${at}/${i}`)));
    return errors;
  }
  if (!isObject(value)) return errors;
  for (const key of schema.required ?? []) {
    if (!(key in value)) errors.push(`${here}: missing required field "${key}"`);
  }
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  for (const [key, v] of Object.entries(value)) {
    const path = `${at}/${key}`;
    const declared = schema.properties?.[key];
    if (declared) errors.push(...validateStructural(v, declared, path));
    else if (isObject(schema.additionalProperties)) errors.push(...validateStructural(v, schema.additionalProperties, path));
    else if (!preserve) errors.push(`${path}: unknown field "${key}"`);
  }
  return errors;
}

/**
 * Validates a whole custom resource: apiVersion and kind against the CRD, metadata as the
 * API server's ObjectMeta subset these manifests use, the rest against the schema.
 */
export function validateCustomResource(object: Record<string, unknown>, crd: CrdSchema): string[] {
  const errors: string[] = [];
  if (object.apiVersion !== `${crd.group}/${crd.version}`) errors.push(`apiVersion must be ${crd.group}/${crd.version}`);
  if (object.kind !== crd.kind) errors.push(`kind must be ${crd.kind}`);
  const { metadata, ...rest } = object;
  if (!isObject(metadata) || typeof metadata.name !== 'string') errors.push('metadata.name is required');
  else {
    for (const [key, v] of Object.entries(metadata)) {
      if (!OBJECT_META_FIELDS.has(key)) errors.push(`/metadata/${key}: unknown or unsupported field`);
      else if ((key === 'labels' || key === 'annotations') && !(isObject(v) && Object.values(v).every((x) => typeof x === 'string'))) {
        errors.push(`/metadata/${key}: must map strings to strings`);
      }
    }
  }
  const properties = { ...crd.schema.properties };
  delete properties.metadata;
  const required = (crd.schema.required ?? []).filter((key) => key !== 'metadata');
  errors.push(...validateStructural(rest, { ...crd.schema, properties, required }));
  return errors;
}
