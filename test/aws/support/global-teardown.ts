import { stopMotoServer } from './moto-server';

export default async function globalTeardown(): Promise<void> {
  if (globalThis.motoServer) await stopMotoServer(globalThis.motoServer);
}
