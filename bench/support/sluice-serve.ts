import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** Runs `work` while `sluice serve` (the CLI at `cli`) owns `dataDir`, and stops serve with Ctrl-C after. */
export async function withServe<T>(cli: string, dataDir: string, work: () => Promise<T>): Promise<T> {
  const serve = spawn(process.execPath, [cli, 'serve', '--quiet', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  serve.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    serve.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('Sluice is serving')) resolve();
    });
    serve.once('exit', (code) => reject(new Error(`sluice serve exited with ${code} before it served:\n${output}`)));
  });
  try {
    return await work();
  } finally {
    const exited = once(serve, 'exit');
    serve.kill('SIGINT');
    await exited;
  }
}
