import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedTrafficFlow } from '@cityml/samples';
import { CLI, ROOT, run, startLiveUp, type LiveUp } from '@cityml/platform/live-up';

/** One step of the README's quickstart: the command a user types and the output it shows. */
interface Step {
  command: string;
  expected: string[];
}

/**
 * The steps of README.md's quickstart: the ```console block of the "Quickstart" section,
 * `$ ` lines are commands, the lines after each are its expected output.
 */
export function quickstartSteps(readme: string): Step[] {
  const section = readme.slice(readme.indexOf('\n## Quickstart'), readme.indexOf('\n## ', readme.indexOf('\n## Quickstart') + 5));
  const block = section.match(/```console\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('README.md: no ```console block in the Quickstart section');
  const steps: Step[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2).trim(), expected: [] });
    else if (line.trim() && steps.length) steps[steps.length - 1].expected.push(line);
  }
  return steps;
}

/** An expected output line as a pattern: numbers, ids and hashes vary; `…` is anything. */
export function linePattern(line: string): RegExp {
  const token = /…|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|\d+(?:[.,]\d+)*/g;
  let out = '';
  let at = 0;
  for (const m of line.matchAll(token)) {
    out += escape(line.slice(at, m.index)) + (m[0] === '…' ? '.*' : /^\d/.test(m[0]) && !/[a-f]/.test(m[0]) ? '[\\d.,]+' : '[0-9a-f-]+');
    at = (m.index ?? 0) + m[0].length;
  }
  return new RegExp('^\\s*' + out + escape(line.slice(at)).trimEnd() + '\\s*$', 'm');
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');

/** Splits a command line into words (double quotes group; no other shell syntax). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

describe('the README quickstart', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const steps = quickstartSteps(readme);
  let up: LiveUp;
  let cwd: string;
  beforeAll(async () => {
    up = await startLiveUp();
    cwd = mkdtempSync(join(tmpdir(), 'cityml-quickstart-'));
    // The commands run from the repository root in the README; here from a scratch
    // directory that has the files they read.
    mkdirSync(join(cwd, 'examples'));
    cpSync(join(ROOT, 'examples/traffic-forecast.yaml'), join(cwd, 'examples/traffic-forecast.yaml'));
  }, 60_000);
  afterAll(async () => {
    await up?.stop();
    rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  it('has commands that all use npx cityml, with expected output', () => {
    expect(steps.length).toBeGreaterThanOrEqual(5);
    for (const s of steps) expect(s.command).toMatch(/^npx cityml /);
    expect(steps.filter((s) => s.expected.length).length).toBeGreaterThanOrEqual(steps.length - 1);
  });

  it('runs exactly as written against a live `cityml up` (auth on) and prints what the README shows', async () => {
    const ids: Record<string, string> = {};
    let forecast = '';
    for (const step of steps) {
      const command = step.command.replace(/<([a-z-]+)>/g, (_, name: string) => {
        if (!ids[name]) throw new Error(`${step.command}: no ${name} printed by an earlier step`);
        return ids[name];
      });
      const r = await run([CLI, ...words(command).slice(2)], { cwd, env: { CITYML_DATA_DIR: up.dataDir }, timeoutMs: 90_000 });
      const output = r.stdout + r.stderr;
      expect({ command, code: r.code }).toEqual({ command, code: 0 });
      for (const line of step.expected) expect({ command, line, found: linePattern(line).test(output) ? true : output }).toEqual({ command, line, found: true });
      if (/^npx cityml predict /.test(command)) forecast = r.stdout;
      const fs = output.match(/feature set ([0-9a-f-]{36})/);
      if (fs) ids['feature-set-id'] = fs[1];
      const job = output.match(/job ([0-9a-f-]{36})/);
      if (job) ids['job-id'] = job[1];
    }
    // The forecast is close to the generator's ground truth for the 3 hours after the data.
    const end = Date.parse('2026-01-05T05:00:00Z') + (30 * 24 - 1) * 3600_000;
    const rows = [...forecast.matchAll(/^S(\d+)\s+(\d)\s+([\d.]+)$/gm)].map((m) => ({ sensor: Number(m[1]) - 1, step: Number(m[2]), value: Number(m[3]) }));
    expect(rows).toHaveLength(15);
    const errors = rows.map((r) => Math.abs(r.value - expectedTrafficFlow(r.sensor, end + r.step * 3600_000)) / expectedTrafficFlow(r.sensor, end + r.step * 3600_000));
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(0.35);
  }, 120_000);
});
