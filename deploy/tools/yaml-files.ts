/**
 * Reads the YAML files of deploy/: every document, parsed strictly, and refused when YAML 1.1
 * (what kustomize and kubectl's Go parsers follow for scalars) and YAML 1.2 (the `yaml`
 * package's default) would read it differently, e.g. unquoted `on`/`off`/`yes`, or `0440`.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';

/** Parses every document of a YAML text; `source` names it in errors. Empty documents are dropped. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const read = (version: '1.1' | '1.2') =>
    parseAllDocuments(text, { version, uniqueKeys: true, prettyErrors: true }).map((doc) => {
      const problems = [...doc.errors, ...doc.warnings];
      if (problems.length) throw new Error(`${source}: ${problems.map((p) => p.message).join('; ')}`);
      return doc.toJS({ maxAliasCount: 0 }) as unknown;
    });
  const modern = read('1.2');
  const legacy = read('1.1');
  if (!isDeepStrictEqual(modern, legacy)) {
    throw new Error(
      `${source}: a scalar reads differently in YAML 1.1 and 1.2 (quote on/off/yes/no, octal-looking numbers)`,
    );
  }
  return modern.filter((doc) => doc !== null && doc !== undefined);
}

/** Reads and parses a YAML file (see {@link parseYamlDocuments}). */
export function readYamlFile(path: string): unknown[] {
  return parseYamlDocuments(readFileSync(path, 'utf8'), path);
}
