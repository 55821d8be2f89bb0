import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { inference } from '@cityml/proto';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { startServer } from './server';

describe('a bidirectional stream through the wrapper', () => {
  it('answers every request and then ends with OK once the client half-closes', async () => {
    const server = await startServer({
      config: loadConfig({ CITYML_HOST: '127.0.0.1', CITYML_PORT: '0', CITYML_METRICS_PORT: '0' }),
      log: createLogger({ level: 'silent', pretty: false }),
      services: [
        {
          fullName: 'cityml.inference.v1.InferenceService',
          definition: inference.InferenceServiceService,
          implementation: {
            async *predictStream(requests: AsyncIterable<inference.PredictStreamRequest>) {
              for await (const r of requests) yield inference.PredictStreamResponse.fromPartial({ response: { modelName: r.request?.modelName } });
            },
          },
        },
      ],
    });
    const client = new inference.InferenceServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const call = client.predictStream(new Metadata(), { deadline: new Date(Date.now() + 3000) });
    const got: string[] = [];
    const ended = new Promise<string>((resolve) => {
      call.on('data', (m: inference.PredictStreamResponse) => got.push(m.response!.modelName));
      call.on('error', (e: ServiceError) => resolve(status[e.code]));
      call.on('end', () => resolve('OK'));
    });
    for (const name of ['a', 'b']) call.write(inference.PredictStreamRequest.fromPartial({ request: { modelName: name } }));
    call.end();
    expect(await ended).toBe('OK');
    expect(got).toEqual(['a', 'b']);
    client.close();
    await server.shutdown();
  });
});
