import { json, type EventRow, type Sql } from './sql';

/** The channel every registry replica listens on; the payload is the tenant. */
export const EVENTS_CHANNEL = 'registry_events';

/** An event to append. */
export interface NewEvent {
  type: string;
  model: string;
  payload: EventRow['payload'];
}

/**
 * Appends events in the caller's transaction, numbered by the tenant's counter row
 * (locked to commit: sequences are gapless and become visible in order), and notifies
 * every replica on commit. Call it last in a transaction, to hold the lock briefly.
 */
export async function appendEvents(sql: Sql, tenant: string, events: NewEvent[]): Promise<number[]> {
  if (!events.length) return [];
  const n = events.length;
  const [row] = await sql<{ last_sequence: number }[]>`with counter as (
      insert into registry.event_counters (tenant, last_sequence) values (${tenant}, ${n})
      on conflict (tenant) do update set last_sequence = registry.event_counters.last_sequence + ${n}
      returning last_sequence
    ), appended as (
      insert into registry.events (tenant, sequence, type, model, payload)
      select ${tenant}, counter.last_sequence - ${n} + x.ord, x.e ->> 'type', x.e ->> 'model', x.e -> 'payload'
      from counter, jsonb_array_elements(${json(events)}::jsonb) with ordinality as x(e, ord)
    )
    select counter.last_sequence, pg_notify(${EVENTS_CHANNEL}, ${tenant}) from counter`;
  return events.map((_, i) => row.last_sequence - n + 1 + i);
}

/** Events of a tenant after `after`, in order (optionally one model's). */
export async function readEvents(sql: Sql, tenant: string, after: number, model: string, limit: number): Promise<EventRow[]> {
  return model
    ? sql<EventRow[]>`select sequence, type, model, payload, time from registry.events
        where tenant = ${tenant} and model = ${model} and sequence > ${after} order by sequence limit ${limit}`
    : sql<EventRow[]>`select sequence, type, model, payload, time from registry.events
        where tenant = ${tenant} and sequence > ${after} order by sequence limit ${limit}`;
}

/** The tenant's last event sequence (0 when none). */
export async function lastSequence(sql: Sql, tenant: string): Promise<number> {
  const [row] = await sql<{ last_sequence: number }[]>`select last_sequence from registry.event_counters where tenant = ${tenant}`;
  return row?.last_sequence ?? 0;
}
