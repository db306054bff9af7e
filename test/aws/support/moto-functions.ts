import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { executeStateMachines, startMotoServer, stopMotoServer } from './moto-server';

/** A Lambda function as the test runs it: what it answers a payload with, or the error it throws. */
export type TestFunction = (payload: unknown) => Promise<unknown>;

/** Lambda's Invoke: POST /2015-03-31/functions/{FunctionName}/invocations. */
const INVOKE = /^\/2015-03-31\/functions\/([^/?]+)\/invocations/;

export interface MotoWithFunctions {
  /** moto_server itself, for the test's clients. */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * A moto_server of its own whose state machines invoke functions of the test. moto's Lambda runs
 * no code, and its Step Functions interpreter calls Lambda on MOTO_PORT: here a proxy in this
 * process, which answers each Invoke with `functionOf(functionArn)` as Lambda would (a thrown
 * error is a function error, whose errorType the Task fails with) and hands every other request
 * on to moto. So a compiled definition runs with the real handlers, each Task waiting for its own.
 */
export async function motoWithFunctions(functionOf: (functionArn: string) => TestFunction): Promise<MotoWithFunctions> {
  // Known once moto has started, which needs the proxy's port first.
  const target: { url?: URL } = {};
  const proxy = createServer((incoming, answer) => {
    const invoke = INVOKE.exec(incoming.url ?? '');
    if (invoke && incoming.method === 'POST') {
      void invokeFunction(functionOf(decodeURIComponent(invoke[1]!)), incoming, answer);
      return;
    }
    const forwarded = request(
      { host: target.url!.hostname, port: target.url!.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    forwarded.on('error', (error) => answer.destroy(error));
    incoming.pipe(forwarded);
  });
  // Every interface: the interpreter calls `localhost`, which may be ::1.
  proxy.listen(0);
  await once(proxy, 'listening');
  const moto = await startMotoServer({ MOTO_PORT: String((proxy.address() as AddressInfo).port) });
  target.url = new URL(moto.endpoint);
  await executeStateMachines(moto.endpoint);
  return {
    endpoint: moto.endpoint,
    async stop() {
      await stopMotoServer(moto);
      proxy.closeAllConnections();
      proxy.close();
    },
  };
}

async function invokeFunction(run: TestFunction, incoming: IncomingMessage, answer: ServerResponse): Promise<void> {
  const body = await text(incoming);
  try {
    const result = await run(body ? JSON.parse(body) : {});
    answer.writeHead(200, { 'content-type': 'application/json' });
    answer.end(JSON.stringify(result ?? null));
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    answer.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
    answer.end(JSON.stringify({ errorType: name, errorMessage: message }));
  }
}
