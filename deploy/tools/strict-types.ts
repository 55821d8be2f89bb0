/**
 * Strict check for unknown fields: the kubernetes-models validators accept misspelled fields,
 * so the rendered objects are also type-checked against kubernetes-types. Each object becomes
 * an object literal assigned to its Kubernetes type in a generated TypeScript file, and the
 * compiler's excess-property check rejects every field the type does not declare, at any depth
 * (`imagePullPolcy`, `securityContxt`...), as well as wrong value types.
 */
import { dirname, join } from 'node:path';
import ts from 'typescript';
import type { Labelled } from './manifests';

/** apiVersion → the kubernetes-types module that declares its kinds. */
export const TYPE_MODULES: Readonly<Record<string, string>> = {
  v1: 'kubernetes-types/core/v1',
  'apps/v1': 'kubernetes-types/apps/v1',
  'batch/v1': 'kubernetes-types/batch/v1',
  'policy/v1': 'kubernetes-types/policy/v1',
  'autoscaling/v2': 'kubernetes-types/autoscaling/v2',
};

export interface TypeProblem {
  label: string;
  message: string;
}

/** The generated source and, per object, the first line it occupies. */
export function generateSource(items: Labelled[]): { code: string; startLines: number[] } {
  const aliases = new Map<string, string>();
  const lines: string[] = [];
  for (const { object } of items) {
    const module = TYPE_MODULES[object.apiVersion];
    if (!module) throw new Error(`no kubernetes-types module for apiVersion ${object.apiVersion}`);
    if (!aliases.has(module)) aliases.set(module, `T${aliases.size}`);
  }
  for (const [module, alias] of aliases) lines.push(`import type * as ${alias} from '${module}';`);
  const startLines: number[] = [];
  items.forEach(({ object }, i) => {
    const alias = aliases.get(TYPE_MODULES[object.apiVersion]);
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(object.kind)) throw new Error(`bad kind ${object.kind}`);
    startLines.push(lines.length);
    const literal = JSON.stringify(object, null, 2).split('\n');
    lines.push(`export const r${i}: ${alias}.${object.kind} = ${literal[0]}`, ...literal.slice(1));
    lines[lines.length - 1] += ';';
  });
  return { code: lines.join('\n') + '\n', startLines };
}

/**
 * Type-checks every object against its kubernetes-types interface and returns the problems
 * (empty when all objects are well-typed). Throws for an apiVersion kubernetes-types lacks.
 */
export function typeCheck(items: Labelled[]): TypeProblem[] {
  const { code, startLines } = generateSource(items);
  const file = join(__dirname, '__rendered_manifests__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts'],
    types: [],
    skipLibCheck: true,
    baseUrl: dirname(file),
  };
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, code, language, true) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? code : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const source = program.getSourceFile(file);
  if (!source) throw new Error('generated source was not loaded');
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ];
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return { label: '(compiler)', message };
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    let index = 0;
    while (index + 1 < startLines.length && startLines[index + 1] <= line) index++;
    const text = code.split('\n')[line]?.trim() ?? '';
    return { label: items[index]?.label ?? '(generated)', message: `${message}\n    at: ${text}` };
  });
}
