import type { Logger } from 'pino';
import { status } from '@grpc/grpc-js';
import { CityMLError, InvalidArgumentError } from '@cityml/runtime';
import type { ModelManager, ModelRef } from './model-manager';

/** Parses `NAME`, `NAME@ALIAS` or `NAME:VERSION` (no alias or version: `production`). */
export function parseModelSpec(spec: string): { name: string; ref: ModelRef } {
  const m = /^([^@:]+)(?:@([^@:]+)|:(\d+))?$/.exec(spec.trim());
  if (!m) throw InvalidArgumentError.field('model', `${JSON.stringify(spec)} is not NAME, NAME@ALIAS or NAME:VERSION`);
  if (m[3]) return { name: m[1], ref: { version: Number(m[3]) } };
  return { name: m[1], ref: { alias: m[2] ?? 'production' } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Loads and warms up the configured models at start (CITYML_INFERENCE_PRELOAD), retrying
 * while the registry is not reachable yet (it may be this very process, still starting).
 * Failures are logged; they never stop the service.
 */
export async function preload(manager: ModelManager, tenant: string, specs: string[], timeoutMs: number, log: Logger): Promise<void> {
  await Promise.all(
    specs.map(async (spec) => {
      const until = Date.now() + timeoutMs;
      for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
        try {
          const { name, ref } = parseModelSpec(spec);
          const lease = await manager.acquire(tenant, name, ref, { deadline: new Date(until) });
          lease.release();
          log.info({ model: spec, version: lease.model.version }, 'model preloaded');
          return;
        } catch (err) {
          const retry = err instanceof CityMLError ? err.code === status.UNAVAILABLE && !/failed to load/.test(err.message) : (err as { code?: number }).code === status.UNAVAILABLE;
          if (!retry || Date.now() + delay > until) {
            log.error({ model: spec, err }, 'model preload failed');
            return;
          }
          await sleep(delay);
        }
      }
    }),
  );
}
