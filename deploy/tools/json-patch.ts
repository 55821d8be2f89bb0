/**
 * RFC 6902 JSON Patch, the operations kustomize's patchesJson6902 is used with here:
 * add, remove, replace and test. move and copy are refused rather than half supported.
 * Errors match the RFC: remove/replace/test need an existing target, add needs its parent.
 */
import { isDeepStrictEqual } from 'node:util';

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

/** Splits a JSON pointer into unescaped tokens ("" is the whole document). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer must start with "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

function arrayIndex(token: string, length: number, allowEnd: boolean, pointer: string): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`bad array index "${token}" in ${pointer}`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new Error(`array index ${i} out of range in ${pointer}`);
  return i;
}

function parentOf(doc: unknown, tokens: string[], pointer: string): Container {
  let cur: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(token, cur.length, false, pointer)];
    else if (isContainer(cur) && Object.prototype.hasOwnProperty.call(cur, token)) cur = (cur as Record<string, unknown>)[token];
    else throw new Error(`path ${pointer} does not exist`);
  }
  if (!isContainer(cur)) throw new Error(`path ${pointer} does not exist`);
  return cur;
}

function applyOne(doc: unknown, op: PatchOperation): unknown {
  const tokens = parsePointer(op.path);
  if (op.op !== 'remove' && !('value' in op)) throw new Error(`${op.op} ${op.path} needs a value`);
  const value = structuredClone(op.value);
  if (tokens.length === 0) {
    if (op.op === 'test') {
      if (!isDeepStrictEqual(doc, value)) throw new Error('test failed at the document root');
      return doc;
    }
    if (op.op === 'remove') throw new Error('cannot remove the document root');
    return value;
  }
  const parent = parentOf(doc, tokens, op.path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, op.op === 'add', op.path);
    if (op.op === 'add') parent.splice(i, 0, value);
    else if (op.op === 'remove') parent.splice(i, 1);
    else if (op.op === 'replace') parent[i] = value;
    else if (!isDeepStrictEqual(parent[i], value)) throw new Error(`test failed at ${op.path}`);
    return doc;
  }
  const exists = Object.prototype.hasOwnProperty.call(parent, last);
  if (op.op !== 'add' && !exists) throw new Error(`${op.op} ${op.path}: the target does not exist`);
  if (op.op === 'add' || op.op === 'replace') parent[last] = value;
  else if (op.op === 'remove') delete parent[last];
  else if (!isDeepStrictEqual(parent[last], value)) throw new Error(`test failed at ${op.path}`);
  return doc;
}

/** Checks that `ops` is a list of supported operations (as read from a patch file). */
export function asPatch(ops: unknown, source: string): PatchOperation[] {
  if (!Array.isArray(ops)) throw new Error(`${source}: a JSON patch is a list of operations`);
  return ops.map((op, i) => {
    if (!isContainer(op) || Array.isArray(op)) throw new Error(`${source}[${i}]: not an operation`);
    const extra = Object.keys(op).filter((k) => !['op', 'path', 'value'].includes(k));
    if (extra.length) throw new Error(`${source}[${i}]: unsupported keys ${extra.join(', ')}`);
    if (!['add', 'remove', 'replace', 'test'].includes(op.op as string)) {
      throw new Error(`${source}[${i}]: unsupported op ${String(op.op)}`);
    }
    if (typeof op.path !== 'string') throw new Error(`${source}[${i}]: path must be a string`);
    return op as unknown as PatchOperation;
  });
}

/** Applies a patch to a copy of `doc`; the input is never modified. Throws on the first failing operation. */
export function applyPatch<T>(doc: T, ops: PatchOperation[]): T {
  let out: unknown = structuredClone(doc);
  for (const op of ops) out = applyOne(out, op);
  return out as T;
}
