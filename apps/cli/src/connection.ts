import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CityML, type ConnectionOptions } from '@cityml/sdk';

/** The client config `cityml up` writes to `<data-dir>/client.json`. */
export interface ClientConfig {
  address: string;
  apiKey?: string;
  apiKeyFile?: string;
}

/** Where `cityml up` writes its client config. */
export function clientConfigPath(dataDir: string): string {
  return join(dataDir, 'client.json');
}

/** Adds --address, --api-key, --data-dir, --tls-ca, --json to a command. */
export function withConnection(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', 'server address (env CITYML_ADDRESS; default: the config `cityml up` wrote)')
    .option('--api-key <key>', 'API key (env CITYML_API_KEY)')
    .option('--data-dir <dir>', 'where `cityml up` keeps its data and client config (env CITYML_DATA_DIR)', process.env.CITYML_DATA_DIR ?? '.cityml')
    .option('--tls-ca <file>', 'connect with TLS, trusting this CA')
    .option('--tls-cert <file>', 'client certificate for mutual TLS')
    .option('--tls-key <file>', 'client key for mutual TLS')
    .option('--json', 'print JSON');
}

export interface ConnectionFlags {
  address?: string;
  apiKey?: string;
  dataDir: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  json?: boolean;
}

/** Resolves connection settings: flags, then environment, then the config `cityml up` wrote. */
export function connectionOptions(flags: ConnectionFlags): ConnectionOptions {
  const file = clientConfigPath(flags.dataDir);
  const saved: Partial<ClientConfig> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let apiKey = flags.apiKey ?? process.env.CITYML_API_KEY ?? saved.apiKey;
  if (!apiKey && saved.apiKeyFile && existsSync(saved.apiKeyFile)) apiKey = readFileSync(saved.apiKeyFile, 'utf8').trim();
  const tls = flags.tlsCa || flags.tlsCert ? { caFile: flags.tlsCa, certFile: flags.tlsCert, keyFile: flags.tlsKey } : undefined;
  return { address: flags.address ?? process.env.CITYML_ADDRESS ?? saved.address ?? '127.0.0.1:50051', apiKey, tls };
}

/** A connected SDK client from the command's flags. */
export function connect(flags: ConnectionFlags): CityML {
  return new CityML(connectionOptions(flags));
}
