import { encodeBundle, BUNDLE_FORMAT } from '@cityml/ml/bundle';
import { openDatabase, startPlatform, type OpenedDatabase, type Platform } from '@cityml/platform';
import { startTestPlatform, type TestPlatform } from '@cityml/platform/testing';
import { createLogger, loadConfig } from '@cityml/runtime';
import { CityML, ModelEventType, type ModelEvent, type RegistryClient } from '@cityml/sdk';

/** A minimal valid model bundle (no real model: the registry only reads its header). */
const tinyBundle = (n = 0) =>
  encodeBundle({ format: BUNDLE_FORMAT, modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0), signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 1] }], outputKind: 'regression' }, metadata: { n } });

jest.setTimeout(30_000);

/** Consumes an event stream in the background. */
class Collector {
  readonly events: ModelEvent[] = [];
  error?: unknown;
  readonly done: Promise<void>;
  constructor(source: AsyncIterable<ModelEvent>) {
    this.done = (async () => {
      try {
        for await (const e of source) this.events.push(e);
      } catch (err) {
        this.error = err;
      }
    })();
  }
  async waitFor(n: number, ms = 10_000): Promise<ModelEvent[]> {
    const until = Date.now() + ms;
    while (this.events.length < n) {
      if (this.error) throw this.error;
      if (Date.now() > until) throw new Error(`timed out with ${this.events.length} of ${n} events`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.events;
  }
}

/** Another registry replica over the same database (optionally on a given port). */
async function startReplica(databaseUrl: string, port = 0): Promise<{ platform: Platform; opened: OpenedDatabase; port: number; stop(): Promise<void> }> {
  const env = { CITYML_HOST: '127.0.0.1', CITYML_PORT: String(port), CITYML_METRICS_PORT: '0', CITYML_HTTP_PORT: '0', CITYML_RATE_LIMIT_RPS: '0', DATABASE_URL: databaseUrl, CITYML_LOG_LEVEL: 'silent' };
  const config = loadConfig(env, { services: ['registry'] });
  const log = createLogger({ level: 'silent', pretty: false });
  const opened = await openDatabase(config, log, 'cityml-test-replica');
  const platform = await startPlatform(config, log, opened);
  return { platform, opened, port: platform.server.port, stop: async () => (await platform.stop('test done'), await opened.close()) };
}

const sequences = (events: ModelEvent[]) => events.map((e) => e.sequence);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('WatchModels', () => {
  let t: TestPlatform;
  let reg: RegistryClient;
  let artifactId: string;
  beforeAll(async () => {
    t = await startTestPlatform({ services: ['registry'] });
    reg = t.client.registry;
    artifactId = (await reg.uploadArtifact(tinyBundle())).artifactId;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('delivers a change as an event, and a watcher that disconnects and reconnects gets every missed event exactly once', async () => {
    const first = new AbortController();
    let start = -1;
    const live = new Collector(reg.watchModels({ signal: first.signal, onStart: (s) => (start = s) }));
    while (start < 0) await new Promise((r) => setTimeout(r, 5));
    await reg.createModelVersion({ modelName: 'bus', createModel: true, artifactId });
    await reg.setAlias('bus', 'production', 1);
    const seen = await live.waitFor(3);
    expect(seen.map((e) => e.type)).toEqual([ModelEventType.MODEL_EVENT_TYPE_MODEL_CREATED, ModelEventType.MODEL_EVENT_TYPE_VERSION_CREATED, ModelEventType.MODEL_EVENT_TYPE_ALIAS_SET]);
    expect(seen[2]).toMatchObject({ modelName: 'bus', alias: 'production', version: 1, previousVersion: 0 });
    expect(sequences(seen)).toEqual(range(start + 1, start + 3));
    first.abort();
    await live.done;
    expect(live.error).toBeUndefined();
    const last = seen[seen.length - 1].sequence;

    // Changes while nobody watches, some of them concurrent.
    await Promise.all(Array.from({ length: 6 }, () => reg.createModelVersion({ modelName: 'bus', artifactId })));
    await reg.setAlias('bus', 'production', 4);
    await reg.archiveModelVersion('bus', 2);

    const again = new AbortController();
    const resumed = new Collector(reg.watchModels({ afterSequence: last, signal: again.signal }));
    await resumed.waitFor(8);
    await reg.deleteAlias('bus', 'production');
    const all = await resumed.waitFor(9);
    await new Promise((r) => setTimeout(r, 100));
    again.abort();
    await resumed.done;
    expect(sequences(all)).toEqual(range(last + 1, last + 9));
    expect(all.filter((e) => e.type === ModelEventType.MODEL_EVENT_TYPE_VERSION_CREATED).map((e) => e.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(all.slice(6).map((e) => e.type)).toEqual([ModelEventType.MODEL_EVENT_TYPE_ALIAS_SET, ModelEventType.MODEL_EVENT_TYPE_VERSION_ARCHIVED, ModelEventType.MODEL_EVENT_TYPE_ALIAS_DELETED]);

    // A replay from the start holds every event once, in order.
    const replay = new AbortController();
    const full = new Collector(reg.watchModels({ fromStart: true, signal: replay.signal }));
    const everything = await full.waitFor(last + 9);
    replay.abort();
    await full.done;
    expect(sequences(everything)).toEqual(range(1, last + 9));
  });

  it('filters by model', async () => {
    await reg.createModelVersion({ modelName: 'tram', createModel: true, artifactId });
    const stop = new AbortController();
    const c = new Collector(reg.watchModels({ fromStart: true, modelName: 'tram', signal: stop.signal }));
    const events = await c.waitFor(2);
    stop.abort();
    await c.done;
    expect(events.every((e) => e.modelName === 'tram')).toBe(true);
  });

  it('followAlias yields where an alias points now, then every move, and ends when the caller stops', async () => {
    await reg.createModelVersion({ modelName: 'ferry', createModel: true, artifactId });
    await reg.createModelVersion({ modelName: 'ferry', artifactId });
    await reg.setAlias('ferry', 'production', 1);
    const seen: number[] = [];
    for await (const p of reg.followAlias('ferry', 'production', { minBackoffMs: 50 })) {
      seen.push(p.version);
      if (seen.length === 1) await reg.setAlias('ferry', 'production', 2);
      else if (seen.length === 2) {
        await reg.setAlias('ferry', 'staging', 1);
        await reg.deleteAlias('ferry', 'production');
      } else break;
    }
    expect(seen).toEqual([1, 2, 0]);
    const none: number[] = [];
    const stop = new AbortController();
    for await (const p of reg.followAlias('ferry', 'canary', { signal: stop.signal })) {
      none.push(p.version);
      stop.abort();
    }
    expect(none).toEqual([0]);
  });

  it('delivers events across replicas, and followModels resumes after a replica restarts without missing or repeating one', async () => {
    const replica = await startReplica(t.databaseUrl);
    const client = new CityML({ address: `127.0.0.1:${replica.port}`, apiKey: t.apiKey });
    const stop = new AbortController();
    const reconnects: number[] = [];
    let start = -1;
    const follower = new Collector(
      client.registry.followModels({ signal: stop.signal, minBackoffMs: 50, maxBackoffMs: 300, onStart: (s) => start < 0 && (start = s), onReconnect: (i) => reconnects.push(i.afterSequence) }),
    );
    try {
      while (start < 0) await new Promise((r) => setTimeout(r, 5));
      // Written through the first replica, seen through the other one (LISTEN/NOTIFY).
      await reg.createModelVersion({ modelName: 'metro', createModel: true, artifactId });
      await follower.waitFor(2);

      await replica.stop();
      await reg.createModelVersion({ modelName: 'metro', artifactId });
      await reg.setAlias('metro', 'production', 2);
      const restarted = await startReplica(t.databaseUrl, replica.port);
      try {
        await reg.setAlias('metro', 'production', 1);
        const events = await follower.waitFor(5, 20_000);
        expect(sequences(events)).toEqual(range(start + 1, start + 5));
        expect(events.map((e) => e.modelName)).toEqual(['metro', 'metro', 'metro', 'metro', 'metro']);
        expect(events[4]).toMatchObject({ type: ModelEventType.MODEL_EVENT_TYPE_ALIAS_SET, version: 1, previousVersion: 2 });
        expect(reconnects.length).toBeGreaterThan(0);
        expect(reconnects[0]).toBe(start + 2);
      } finally {
        stop.abort();
        await follower.done;
        client.close();
        await restarted.stop();
      }
    } finally {
      stop.abort();
    }
    expect(follower.error).toBeUndefined();
  });
});
