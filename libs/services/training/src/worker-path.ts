import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * The bundled worker thread (dist/libs/services/training/worker.js): found by walking up
 * from this file to the workspace root (the folder whose package.json is named "cityml").
 * @throws Error when the workspace or the bundle cannot be found (run the build first).
 */
export function workerScriptPath(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cityml') {
          const file = join(dir, 'dist/libs/services/training/worker.js');
          if (!existsSync(file)) throw new Error(`training worker bundle ${file} is missing: run node tools/build.mjs`);
          return (cached = file);
        }
      } catch (err) {
        if ((err as Error).message.includes('worker bundle')) throw err;
      }
    }
    if (dirname(dir) === dir) throw new Error('cannot find the cityml workspace root for the training worker');
  }
}
