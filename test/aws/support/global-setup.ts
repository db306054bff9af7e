import { MOTO_ENDPOINT_VARIABLE } from './moto-clients';
import { startMotoServer, type MotoServer } from './moto-server';

declare global {
  var motoServer: MotoServer | undefined;
}

/** One moto_server for the whole run; test files keep apart by giving their resources unique names. */
export default async function globalSetup(): Promise<void> {
  const server = await startMotoServer();
  globalThis.motoServer = server;
  // Test workers inherit the environment of this process.
  process.env[MOTO_ENDPOINT_VARIABLE] = server.endpoint;
  const response = await fetch(`${server.endpoint}/moto-api/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Execute state machines for real. Lambda without Docker answers every invocation with its own
    // payload, or with the next answer queued through /moto-api/static/lambda-simple/response.
    body: JSON.stringify({ stepfunctions: { execute_state_machine: true }, lambda: { use_docker: false } }),
  });
  if (!response.ok) throw new Error(`moto_server refused its configuration: ${response.status} ${await response.text()}`);
}
