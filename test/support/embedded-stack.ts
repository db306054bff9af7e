import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedStack, type EmbeddedStack } from '../../lib/adapters/local/embedded-stack';
import { localClients, type LocalClients } from '../../lib/compose/local-clients';

export interface TestStack {
  dataDir: string;
  stack: EmbeddedStack;
  clients: LocalClients;
  /** Destroys the clients and closes the stack; the data dir stays. */
  stop(): Promise<void>;
}

export function temporaryDirectory(prefix = 'sluice-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export function removeDirectory(directory: string): Promise<void> {
  return rm(directory, { recursive: true, force: true });
}

/** The embedded stack on `dataDir`, with SDK clients for it. */
export async function startTestStack(dataDir: string): Promise<TestStack> {
  const stack = await startEmbeddedStack(dataDir);
  const clients = localClients(stack);
  return {
    dataDir,
    stack,
    clients,
    async stop() {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      await stack.close();
    },
  };
}
