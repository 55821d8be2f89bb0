import type { CityML } from '@cityml/sdk';
import type { common } from '@cityml/proto';
import { chunkBatch, schemaOf } from './rows';

/** Test helper: creates a dataset from a batch's columns and ingests it as version 1 (in chunks). */
export async function createDataset(client: CityML, name: string, batch: common.RowBatch, options: { timeColumn?: string; timeZone?: string } = {}): Promise<void> {
  await client.ingestion.createDataset({ name, schema: schemaOf(batch, options.timeColumn, options.timeZone) });
  await client.ingestion.ingest(name, chunkBatch(batch, 5_000));
}

const H = 3_600_000;

/** Hourly series of `sensors` sensors over `hours` hours from 2026-01-05, flow = f(sensor, hour), with a few nulls and gaps. */
export function trafficRows(sensors: number, hours: number, options: { gaps?: boolean } = {}): Record<string, [string, unknown[]]> {
  const ts: Date[] = [];
  const flow: (number | null)[] = [];
  const sensor: string[] = [];
  const speed: (number | null)[] = [];
  const road: (string | null)[] = [];
  const start = Date.UTC(2026, 0, 5);
  for (let s = 0; s < sensors; s++) {
    for (let h = 0; h < hours; h++) {
      if (options.gaps && (h * 7 + s) % 23 === 5) continue; // a missing reading
      ts.push(new Date(start + h * H));
      flow.push(100 * (s + 1) + 10 * Math.sin((2 * Math.PI * h) / 24) + (h % 5));
      sensor.push(`s${s}`);
      speed.push((h + s) % 11 === 3 ? null : 30 + ((h * 13 + s * 7) % 40));
      road.push((h + s) % 13 === 4 ? null : ['main', 'elm', 'oak', 'pine'][(h + s) % 4]);
    }
  }
  return { ts: ['timestamp', ts], flow: ['number', flow], sensor: ['category', sensor], speed: ['number', speed], road: ['category', road] };
}
