import { join, dirname } from 'node:path';
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** Test helper: lists the services a server exposes through gRPC server reflection (v1). */
export function listServices(address: string): Promise<string[]> {
  const protoFile = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');
  const pkg = loadPackageDefinition(loadSync(protoFile)) as unknown as { grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } } };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (res: { listServicesResponse?: { service: { name: string }[] } }) => {
      resolve((res.listServicesResponse?.service ?? []).map((s) => s.name).sort());
      call.end();
      client.close();
    });
    call.on('error', reject);
    call.write({ listServices: '' });
  });
}
