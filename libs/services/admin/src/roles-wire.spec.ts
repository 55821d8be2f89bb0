import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { startTestPlatform, type TestKey, type TestPlatform } from '@cityml/platform/testing';
import { accessFor, allRpcs, type RpcInfo } from '@cityml/runtime';

/** Calls any RPC with an empty request and returns the status code it ended with. */
function callRaw(address: string, key: string, rpc: RpcInfo): Promise<number> {
  const client = new Client(address, credentials.createInsecure());
  const md = new Metadata();
  md.set('authorization', `Bearer ${key}`);
  const id = (b: Buffer) => b;
  const opts = { deadline: new Date(Date.now() + 1500) };
  return new Promise<number>((resolve) => {
    const done = (err: ServiceError | null) => {
      client.close();
      resolve(err ? err.code : status.OK);
    };
    if (rpc.streaming === 'unary') client.makeUnaryRequest(rpc.path, id, id, Buffer.alloc(0), md, opts, done);
    else if (rpc.streaming === 'client stream') client.makeClientStreamRequest(rpc.path, id, id, md, opts, done).end();
    else {
      const call = rpc.streaming === 'server stream' ? client.makeServerStreamRequest(rpc.path, id, id, Buffer.alloc(0), md, opts) : client.makeBidiStreamRequest(rpc.path, id, id, md, opts).end();
      call.on('data', () => call.cancel());
      call.on('error', (err: ServiceError) => done(err));
      call.on('end', () => done(null));
    }
  });
}

describe('roles enforced on the wire for every RPC of every service', () => {
  let t: TestPlatform;
  let reader: TestKey;
  let writer: TestKey;
  let tenantAdmin: TestKey;
  const rpcs = allRpcs();
  beforeAll(async () => {
    t = await startTestPlatform();
    reader = await t.createKey({ tenant: 'default', role: 'reader' });
    writer = await t.createKey({ tenant: 'default', role: 'writer' });
    tenantAdmin = await t.createKey({ tenant: 'default', role: 'admin' });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const denied = (role: 'reader' | 'writer' | 'admin', access: string) =>
    access === 'platform' ? true : role === 'reader' ? access !== 'reader' : role === 'writer' ? access === 'admin' : false;

  it.each(['reader', 'writer', 'admin'] as const)('answers PERMISSION_DENIED to a %s exactly where the table says, before any handler runs', async (role) => {
    const key = { reader, writer, admin: tenantAdmin }[role].apiKey;
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const rpc of rpcs) {
      const code = await callRaw(t.address, key, rpc);
      const isDenied = code === status.PERMISSION_DENIED;
      got[rpc.path] = isDenied ? 'denied' : code === status.UNAUTHENTICATED ? 'unauthenticated' : 'allowed';
      want[rpc.path] = denied(role, accessFor(rpc.path)) ? 'denied' : 'allowed';
    }
    expect(got).toEqual(want);
  }, 60_000);

  it('lets a platform administrator call admin RPCs a tenant admin may not', async () => {
    const createTenant = rpcs.find((r) => r.path === '/cityml.admin.v1.AdminService/ListTenants')!;
    expect(await callRaw(t.address, tenantAdmin.apiKey, createTenant)).toBe(status.PERMISSION_DENIED);
    expect(await callRaw(t.address, t.apiKey, createTenant)).toBe(status.OK);
  });
});
