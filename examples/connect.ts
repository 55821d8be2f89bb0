import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CityML } from '@cityml/sdk';

/**
 * A client for the examples: CITYML_ADDRESS and CITYML_API_KEY from the environment, else
 * the client config that `cityml up` wrote to ./.cityml/client.json (and its admin key).
 */
export function connectFromEnv(): CityML {
  const file = join(process.env.CITYML_DATA_DIR ?? '.cityml', 'client.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { address?: string; apiKeyFile?: string }) : {};
  const apiKey = process.env.CITYML_API_KEY ?? (saved.apiKeyFile && existsSync(saved.apiKeyFile) ? readFileSync(saved.apiKeyFile, 'utf8').trim() : undefined);
  return new CityML({ address: process.env.CITYML_ADDRESS ?? saved.address ?? '127.0.0.1:50051', apiKey });
}
