import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedStack, type EmbeddedStack, type EmbeddedStackOptions } from '../../lib/adapters/local/embedded-stack';
import { localClients, type LocalClients } from '../../lib/compose/local-clients';
import type { ContractServers, ServerKind } from './contracts/servers';

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

/** A fresh temporary directory for each test of the enclosing describe, removed after it: `directory()` inside a test. */
export function directoryPerTest(): () => string {
  let directory: string | undefined;
  beforeEach(async () => {
    directory = await temporaryDirectory();
  });
  afterEach(async () => {
    await removeDirectory(directory!);
  });
  return () => directory!;
}

/** The embedded stack on `dataDir`, with SDK clients for it. */
export async function startTestStack(dataDir: string, options: EmbeddedStackOptions = {}): Promise<TestStack> {
  const stack = await startEmbeddedStack(dataDir, options);
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

/** A test stack and the scratch directory that holds its data: set once the suite's `beforeAll` hooks have run. */
export interface SuiteStack {
  scratch: string;
  test: TestStack;
}

/**
 * Starts a test stack in a fresh scratch directory before the enclosing suite's tests, and stops it and removes
 * the directory after them. Call it in the `describe` body before any hook that uses the stack.
 */
export function stackPerSuite(): SuiteStack {
  const suite = {} as SuiteStack;
  beforeAll(async () => {
    suite.scratch = await temporaryDirectory();
    suite.test = await startTestStack(path.join(suite.scratch, 'data'));
  });
  afterAll(async () => {
    await suite.test?.stop();
    await removeDirectory(suite.scratch);
  });
  return suite;
}

/** The TCP ports this process listens on: those of its socket inodes that /proc/net lists in state LISTEN. */
export async function tcpListenersOfThisProcess(): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(path.join('/proc/self/fd', fd)).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const listening: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(table, 'utf8')).split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // Field 1 is the local address:port in hex, field 3 the state (0A is LISTEN), field 9 the inode.
      if (fields[3] === '0A' && inodes.has(fields[9]!)) listening.push(Number.parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return listening;
}

/** A fresh embedded stack on a data dir of its own, for each contract suite; stopping removes the data dir. */
export const embeddedServers = { name: 'the embedded servers', serializesConditionalWrites: true, open: openEmbeddedServers } satisfies ServerKind;

async function openEmbeddedServers(): Promise<ContractServers & { test: TestStack }> {
  const scratch = await temporaryDirectory();
  const test = await startTestStack(path.join(scratch, 'data'));
  let count = 0;
  return {
    test,
    s3: test.clients.s3,
    dynamodb: test.clients.dynamodb,
    uniqueName: (prefix) => `${prefix}-${++count}`,
    async stop() {
      await test.stop();
      await removeDirectory(scratch);
    },
  };
}
