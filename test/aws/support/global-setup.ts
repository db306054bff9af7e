import { MOTO_ENDPOINT_VARIABLE } from './moto-clients';
import { executeStateMachines, startMotoServer, type MotoServer } from './moto-server';

declare global {
  var motoServer: MotoServer | undefined;
}

/** One moto_server for the whole run; test files keep apart by giving their resources unique names. */
export default async function globalSetup(): Promise<void> {
  const server = await startMotoServer();
  globalThis.motoServer = server;
  // Test workers inherit the environment of this process.
  process.env[MOTO_ENDPOINT_VARIABLE] = server.endpoint;
  await executeStateMachines(server.endpoint);
}
