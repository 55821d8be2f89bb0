/**
 * A small Dockerfile reader for the static checks: instructions (continuation lines joined,
 * comments and parser directives dropped), grouped into stages, with global ARG defaults
 * substituted into FROM. And a .dockerignore matcher with Docker's pattern rules.
 */
import { posix } from 'node:path';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  /** The FROM image with global ARG defaults substituted. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions; `\` at the end of a line continues it. */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (buffer === '' && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (buffer !== '' && trimmed.startsWith('#')) return; // comment lines inside a continuation
    if (buffer === '') start = i + 1;
    const continued = trimmed.endsWith('\\');
    buffer += (buffer ? ' ' : '') + (continued ? trimmed.slice(0, -1).trim() : trimmed);
    if (continued) return;
    const m = /^(\S+)\s*(.*)$/.exec(buffer);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2], line: start });
    buffer = '';
  });
  if (buffer) throw new Error('Dockerfile ends inside a continued line');
  return out;
}

function substitute(value: string, args: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a, b) => {
    const name = (a ?? b) as string;
    if (!(name in args)) throw new Error(`FROM uses ${whole}, which has no default`);
    return args[name];
  });
}

/** Groups instructions into build stages. */
export function parseStages(text: string): Stage[] {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ image: substitute(m[1], globalArgs), name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: only ARG may precede the first FROM`);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read ARG ${ins.args}`);
      if (m[2] !== undefined) globalArgs[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

/** Parses the JSON (exec) form of ENTRYPOINT/CMD; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) return undefined;
  return parsed as string[];
}

/** The stage's working directory at its end (WORKDIR may be relative to the previous one). */
export function workdir(stage: Stage): string {
  let dir = '/';
  for (const ins of stage.instructions) {
    if (ins.keyword === 'WORKDIR') dir = posix.resolve(dir, ins.args.trim());
  }
  return dir;
}

function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // "**/" matches any number of directories, a trailing "**" anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether `.dockerignore` excludes `path` (relative to the context) from the build context,
 * with Docker's rules: patterns are cleaned and anchored at the context root, a pattern that
 * matches a directory excludes what is under it, `!` re-includes, and the last match wins.
 */
export function dockerIgnored(dockerignore: string, path: string): boolean {
  const rules = dockerignore
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const body = posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: patternRegex(body) };
    });
  const parts = posix.normalize(path).split('/');
  let ignored = false;
  for (const rule of rules) {
    const hit = parts.some((_, i) => rule.re.test(parts.slice(0, i + 1).join('/')));
    if (hit) ignored = !rule.negate;
  }
  return ignored;
}
