import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * A Step Functions endpoint (JSON 1.0) that refuses every call with the error `type`, as the
 * service does, and a client of it that does not retry. It records each call's X-Amz-Target.
 */
export async function refusingStepFunctions(type: string): Promise<{ client: SFNClient; targets: string[]; close: () => void }> {
  const targets: string[] = [];
  const server = createServer((request, response) => {
    targets.push(String(request.headers['x-amz-target']));
    request.resume().on('end', () => {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${type}`, message: `${type} from the test server` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new SFNClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    client,
    targets,
    close: () => {
      client.destroy();
      server.close();
    },
  };
}
