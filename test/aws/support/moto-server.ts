import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export const MOTO_INSTALL = 'pip install "moto[server]"';
const READY_WITHIN_MS = 20_000;

export interface MotoServer {
  endpoint: string;
  process: ChildProcess;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('No TCP port was assigned.');
  return address.port;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/moto-api/config`)).ok;
  } catch {
    return false;
  }
}

/**
 * Starts moto_server on a free loopback port and waits until it answers. Fails, naming the
 * install command, when moto_server is not on PATH: these tests are never skipped silently.
 * `environment` holds moto's settings, such as INITIAL_NO_AUTH_ACTION_COUNT.
 */
export async function startMotoServer(environment: Record<string, string> = {}): Promise<MotoServer> {
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto's Step Functions interpreter calls its own Lambda API back on MOTO_PORT, unless `environment` names another port.
  const child = spawn('moto_server', ['-p', String(port), '-H', '127.0.0.1'], {
    env: { ...process.env, MOTO_PORT: String(port), ...environment },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `moto_server is not on PATH. The AWS contract tests need it: ${MOTO_INSTALL}`
            : `moto_server could not start (${error.message}). Reinstall it with: ${MOTO_INSTALL}`,
        ),
      ),
    );
    child.once('exit', (code, signal) =>
      reject(new Error(`moto_server exited (${signal ?? `code ${code}`}) before it answered. ${MOTO_INSTALL} installs it.\n${stderr}`)),
    );
  });
  const ready = (async () => {
    const deadline = Date.now() + READY_WITHIN_MS;
    while (!(await answers(endpoint))) {
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within ${READY_WITHIN_MS / 1000} s.\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    await Promise.race([ready, failure]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  failure.catch(() => undefined);
  return { endpoint, process: child };
}

/**
 * Makes moto execute state machines for real. Lambda without Docker answers every invocation with
 * its own payload, or with the next answer queued through /moto-api/static/lambda-simple/response.
 */
export async function executeStateMachines(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: true }, lambda: { use_docker: false } }),
  });
  if (!response.ok) throw new Error(`moto_server refused its configuration: ${response.status} ${await response.text()}`);
}

export async function stopMotoServer(server: MotoServer): Promise<void> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) return;
  const exited = once(server.process, 'exit');
  server.process.kill('SIGTERM');
  const timer = setTimeout(() => server.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
