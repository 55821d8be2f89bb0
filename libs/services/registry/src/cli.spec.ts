import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@cityml/ml';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '../../../..');
const CLI = join(ROOT, 'dist/apps/cli/main.js');

describe('cityml models (the CLI)', () => {
  let t: TestPlatform;
  let dir: string;
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'models', ...args, '--address', t.address, '--api-key', t.apiKey, '--data-dir', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    await initBackend();
    t = await startTestPlatform({ services: ['registry'] });
    dir = mkdtempSync(join(tmpdir(), 'cityml-models-'));
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        writeFileSync(join(dir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
        writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    writeFileSync(join(dir, 'signature.yaml'), 'inputs:\n  - name: xy\n    shape: [-1, 2]\noutput: regression\n');
    writeFileSync(join(dir, 'bad-signature.yaml'), 'inputs:\n  - name: xy\n    shape: [-1, 5]\noutput: regression\n');
  });
  afterAll(async () => {
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports a model, promotes, refuses a stale compare-and-set, shows history and rolls back', async () => {
    const sig = join(dir, 'signature.yaml');
    const [imported, refused, usage] = await Promise.all([
      cli('import', 'bikes', '--model-json', join(dir, 'model.json'), '--signature', sig, '--tag', 'team=mobility', '--json'),
      cli('import', 'bikes-bad', '--model-json', join(dir, 'model.json'), '--signature', join(dir, 'bad-signature.yaml')),
      cli('versions', 'bikes', '--metric', 'rmse!3'),
    ]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ modelName: 'bikes', version: 1, status: 'READY', source: 'imported', tags: { team: 'mobility' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('INVALID_ARGUMENT');
    expect(usage.code).toBe(2);
    const v1 = await t.client.registry.getModelVersion('bikes', 1);
    await t.client.registry.createModelVersion({ modelName: 'bikes', artifactId: v1.artifactId });

    expect((await cli('alias', 'bikes', 'production', '1')).stdout).toContain('production: - → 1');
    const stale = await cli('alias', 'bikes', 'production', '2', '--expected-version', '2');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('FAILED_PRECONDITION');
    await t.client.registry.setAlias('bikes', 'production', 2, { expectedVersion: 1 });

    const [list, versions, show, archive] = await Promise.all([cli('list'), cli('versions', 'bikes', '--json'), cli('show', 'bikes', '@production', '--json'), cli('archive', 'bikes', '2')]);
    expect(list.stdout).toMatch(/bikes\s+2\s+production=2/);
    expect(JSON.parse(versions.stdout).map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(JSON.parse(show.stdout)).toMatchObject({ version: 2, aliases: ['production'] });
    expect(archive.code).toBe(1);
    expect(archive.stderr).toContain('FAILED_PRECONDITION');

    const rollback = await cli('rollback', 'bikes');
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toContain('production: 2 → 1');
    const history = await cli('history', 'bikes', '--alias', 'production', '--at', new Date().toISOString());
    expect(history.stdout).toContain('version 1');
    expect(history.stdout.split('\n').filter((l) => /production/.test(l)).length).toBeGreaterThanOrEqual(3);
  });
});
