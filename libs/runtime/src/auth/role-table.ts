import * as proto from '@cityml/proto';
import { accessFor, RPC_ACCESS, type Access } from './roles';

/** One RPC of a generated service definition. */
export interface RpcInfo {
  /** e.g. "cityml.ingestion.v1.IngestionService". */
  service: string;
  /** e.g. "CreateDataset". */
  method: string;
  /** "/cityml.ingestion.v1.IngestionService/CreateDataset". */
  path: string;
  streaming: string;
}

function isDefinition(v: unknown): v is Record<string, { path: string; requestStream: boolean; responseStream: boolean }> {
  if (typeof v !== 'object' || v === null) return false;
  const methods = Object.values(v);
  return methods.length > 0 && methods.every((m) => typeof m?.path === 'string' && typeof m?.requestStream === 'boolean');
}

/** Every RPC of every gRPC service generated into @cityml/proto, sorted by path. */
export function allRpcs(): RpcInfo[] {
  const out: RpcInfo[] = [];
  for (const ns of Object.values(proto)) {
    if (typeof ns !== 'object' || ns === null) continue;
    for (const [name, def] of Object.entries(ns)) {
      if (!name.endsWith('Service') || !isDefinition(def)) continue;
      for (const m of Object.values(def)) {
        const [, service, method] = m.path.split('/');
        const streaming = m.requestStream && m.responseStream ? 'bidi stream' : m.requestStream ? 'client stream' : m.responseStream ? 'server stream' : 'unary';
        out.push({ service, method, path: m.path, streaming });
      }
    }
  }
  return [...new Map(out.map((r) => [r.path, r])).values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** RPCs of the generated services that the role table does not classify. */
export function unclassifiedRpcs(): string[] {
  return allRpcs()
    .map((r) => r.path)
    .filter((p) => !(p in RPC_ACCESS));
}

const CELLS: Record<Access, [string, string, string]> = {
  reader: ['✓', '✓', '✓'],
  writer: ['', '✓', '✓'],
  admin: ['', '', '✓'],
  platform: ['', '', 'platform admin'],
};

/** Finer checks made inside handlers with requireRole. */
const NOTES: Record<string, string> = {
  '/cityml.registry.v1.RegistryService/SetAlias': 'protected aliases such as `production`: admin',
  '/cityml.registry.v1.RegistryService/DeleteAlias': 'protected aliases such as `production`: admin',
  '/cityml.registry.v1.RegistryService/RollbackAlias': 'protected aliases such as `production`: admin',
  '/cityml.training.v1.TrainingService/SubmitJob': 'with `promote`: admin',
};

/** The role × RPC table of docs/security.md, rendered from {@link RPC_ACCESS}. */
export function roleTableMarkdown(): string {
  const lines = ['| Service | RPC | Kind | reader | writer | admin |', '|---|---|---|:-:|:-:|:-:|'];
  for (const r of allRpcs()) {
    const [reader, writer, admin] = CELLS[accessFor(r.path)];
    const note = NOTES[r.path] ? ` (${NOTES[r.path]})` : '';
    lines.push(`| ${r.service.split('.').pop()} | ${r.method}${note} | ${r.streaming} | ${reader} | ${writer} | ${admin} |`);
  }
  return lines.join('\n');
}
