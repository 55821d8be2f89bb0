import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { CLI, run, startLiveUp, type LiveUp } from '@cityml/platform/live-up';

/** A command of the `cityml` tree, as its help shows it. */
interface Node {
  path: string[];
  usage: string;
  subcommands: string[];
  options: string[];
}

/** The command names in a help text's "Commands:" section (commander: two spaces, then the name). */
function subcommandsOf(help: string): string[] {
  const at = help.indexOf('\nCommands:\n');
  if (at < 0) return [];
  const names: string[] = [];
  for (const line of help.slice(at + 11).split('\n')) {
    if (line.trim() === '' || !line.startsWith(' ')) break;
    const m = line.match(/^ {2}(\S+)/);
    if (m && m[1] !== 'help') names.push(m[1].replace(/\|.*$/, ''));
  }
  return names;
}

function optionsOf(help: string): string[] {
  const at = help.indexOf('\nOptions:\n');
  if (at < 0) return [];
  return [...help.slice(at).matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
}

/**
 * The `cityml` program as main.ts builds it: every `registerX(program)` call of main.ts,
 * in order, with the modules main.ts imports them from (so this walk cannot miss a
 * command main.ts wires in).
 */
function buildProgram(): Command {
  const main = readFileSync(join(__dirname, 'main.ts'), 'utf8');
  const from = new Map([...main.matchAll(/import \{ (register\w+) \} from '(\.\/commands\/[\w-]+)';/g)].map((m) => [m[1], m[2]]));
  const program = new Command('cityml').description('CityML').version('0.1.0');
  for (const [, fn] of main.matchAll(/^(register\w+)\(program\);$/gm)) {
    const mod = require(join(__dirname, from.get(fn) as string)) as Record<string, (p: Command) => void>;
    mod[fn](program);
  }
  return program;
}

/** `cityml <path> --help` in process: its exit code (commander's) and what it printed. */
async function helpOf(path: string[]): Promise<{ code: number | undefined; out: string }> {
  const program = buildProgram();
  let out = '';
  const quiet = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (out += t) });
    c.commands.forEach(quiet);
  };
  quiet(program);
  try {
    await program.parseAsync(['node', 'cityml', ...path, '--help']);
    return { code: undefined, out };
  } catch (err) {
    if (err instanceof CommanderError) return { code: err.exitCode, out };
    throw err;
  }
}

/** Walks every command depth first, checking that `--help` exits 0 with the command's own usage line. */
async function walk(path: string[], out: Node[], failures: string[]): Promise<void> {
  const r = await helpOf(path);
  if (r.code !== 0) failures.push(`cityml ${path.join(' ')} --help exited ${r.code}: ${r.out}`);
  const usage = r.out.match(/^Usage: (.*)$/m)?.[1] ?? '';
  if (!usage.startsWith(['cityml', ...path].join(' '))) failures.push(`cityml ${path.join(' ')} --help shows "${usage}"`);
  const node: Node = { path, usage, subcommands: subcommandsOf(r.out), options: optionsOf(r.out) };
  out.push(node);
  for (const sub of node.subcommands) await walk([...path, sub], out, failures);
}

describe('the cityml command tree', () => {
  let tree: Node[];
  let failures: string[];
  beforeAll(async () => {
    tree = [];
    failures = [];
    await walk([], tree, failures);
  }, 60_000);

  it('answers --help on every command with exit code 0 and its own usage line', async () => {
    expect(failures).toEqual([]);
    // The built binary too, at the top and at a nested command.
    for (const path of [[], ['models', 'report'], ['features', 'create']]) {
      const r = await run([CLI, ...path, '--help']);
      expect({ path, code: r.code }).toEqual({ path, code: 0 });
      expect(r.stdout).toContain(`Usage: ${['cityml', ...path].join(' ')}`);
    }
    const names = tree.map((n) => n.path.join(' '));
    for (const expected of ['up', 'serve', 'ingest', 'datasets list', 'features create', 'models list', 'models report', 'samples', 'demo']) expect(names).toContain(expected);
    expect(tree.length).toBeGreaterThan(20);
  }, 30_000);

  it('gives every command that talks to a server the connection flags and --json', () => {
    const leaves = tree.filter((n) => n.subcommands.length === 0 && n.options.includes('--address'));
    expect(leaves.length).toBeGreaterThan(10);
    for (const n of leaves) expect({ command: n.path.join(' '), json: n.options.includes('--json'), apiKey: n.options.includes('--api-key') }).toEqual({ command: n.path.join(' '), json: true, apiKey: true });
  });

  it('answers an unknown flag with exit code 2 everywhere', async () => {
    const leaves = tree.filter((n) => n.subcommands.length === 0 && n.path.length > 0 && !['up', 'serve', 'migrate'].includes(n.path[0]));
    const codes = await Promise.all(leaves.slice(0, 8).map(async (n) => [n.path.join(' '), (await run([CLI, ...n.path, '--no-such-flag'])).code] as const));
    for (const [command, code] of codes) expect({ command, code }).toEqual({ command, code: 2 });
  }, 60_000);

  describe('--json output, against a live `cityml up`', () => {
    let up: LiveUp;
    const parsed: string[] = [];
    const cli = (...args: string[]) => run([CLI, ...args, ...(args[0] === 'samples' ? [] : ['--data-dir', up.dataDir])], { timeoutMs: 60_000 });
    async function expectJson(args: string[]): Promise<unknown> {
      const r = await cli(...args, '--json');
      expect({ command: args.join(' '), code: r.code, stderr: r.stderr }).toEqual({ command: args.join(' '), code: 0, stderr: '' });
      parsed.push(args.join(' '));
      try {
        return JSON.parse(r.stdout);
      } catch {
        throw new Error(`cityml ${args.join(' ')} --json printed no JSON: ${JSON.stringify(r.stdout.slice(0, 300))}`);
      }
    }

    beforeAll(async () => {
      up = await startLiveUp();
    }, 60_000);
    afterAll(() => up?.stop(), 60_000);

    it('parses for every read-only command without arguments', async () => {
      const lists = tree.filter((n) => n.subcommands.length === 0 && n.options.includes('--json') && /^(list|ls|loaded|whoami|status)$/.test(n.path.at(-1) ?? '') && !/<\w/.test(n.usage));
      expect(lists.length).toBeGreaterThanOrEqual(3);
      for (const n of lists) await expectJson(n.path);
    }, 60_000);

    it('parses for commands that make and show things: samples, ingest, datasets, features, models', async () => {
      const csv = join(up.dataDir, 'traffic.csv');
      expect(await expectJson(['samples', 'traffic', '--out', csv, '--sensors', '2', '--days', '12'])).toMatchObject({ rows: 2 * 12 * 24 });
      await expectJson(['ingest', 'json-traffic', csv, '--create', '--no-progress']);
      expect(await expectJson(['datasets', 'show', 'json-traffic'])).toBeTruthy();
      expect(await expectJson(['datasets', 'stats', 'json-traffic'])).toBeTruthy();
      const summary = (await expectJson(['demo', '--sensors', '2', '--days', '12', '--epochs', '2', '--name', 'json-demo'])) as { featureSet: string; job: string };
      expect(await expectJson(['features', 'show', summary.featureSet])).toMatchObject({ id: summary.featureSet });
      expect(await expectJson(['models', 'show', 'json-demo'])).toBeTruthy();
      expect(await expectJson(['models', 'versions', 'json-demo'])).toBeTruthy();
      expect(await expectJson(['models', 'report', 'json-demo', '--out', join(up.dataDir, 'r.html')])).toMatchObject({ model: 'json-demo' });
      expect(await expectJson(['jobs', 'show', summary.job])).toMatchObject({ id: summary.job });
      expect(await expectJson(['jobs', 'list'])).toBeTruthy();
      expect(await expectJson(['inference', 'models'])).toBeTruthy();
      // predict's --json takes rows; its JSON output is --output json.
      const recent = join(up.dataDir, 'recent.jsonl');
      expect((await cli('samples', 'traffic', '--sensors', '2', '--days', '12', '--last', '30', '--format', 'jsonl', '--out', recent)).code).toBe(0);
      const p = await cli('predict', 'json-demo', '--file', recent, '--output', 'json');
      expect({ code: p.code, stderr: p.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(p.stdout)).toBeTruthy();
      expect(parsed.length).toBeGreaterThan(10);
    }, 90_000);
  });
});
