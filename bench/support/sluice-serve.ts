import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** Runs `work` while `sluice serve` (the CLI at `cli`) owns `dataDir`, given the URL it serves at, and stops serve with Ctrl-C after. */
export async function withServe<T>(cli: string, dataDir: string, work: (url: string) => Promise<T>): Promise<T> {
  const serve = spawn(process.execPath, [cli, 'serve', '--quiet', '--data-dir', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  serve.stdout.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    serve.stdout.on('data', (chunk: string) => {
      output += chunk;
      const serving = /Sluice is serving .* at (http:\/\/\S+)/.exec(output);
      if (serving) resolve(serving[1]!);
    });
    serve.once('exit', (code) => reject(new Error(`sluice serve exited with ${code} before it served:\n${output}`)));
  });
  try {
    return await work(url);
  } finally {
    const exited = once(serve, 'exit');
    serve.kill('SIGINT');
    await exited;
  }
}
