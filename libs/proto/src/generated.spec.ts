import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

describe('the generated protobuf code', () => {
  it('matches the protos in proto/ (regenerating changes nothing)', () => {
    const r = spawnSync(process.execPath, [join(root, 'tools/proto-generate.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('comes from protos that pass buf lint', () => {
    const r = spawnSync(join(root, 'node_modules/.bin/buf'), ['lint'], { cwd: root, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
