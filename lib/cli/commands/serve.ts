import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { dataDirOption, type LocalOptions } from '../local-options';

interface ServeOptions extends LocalOptions {
  port: string;
  quiet?: boolean;
}

export function registerServe(program: Command, exitWith: ExitWith): void {
  dataDirOption(
    program
      .command('serve')
      .description('Serve the local installation until Ctrl-C: the API, approval pages, and executions started through it')
      .option('--port <port>', 'the port to listen on, on 127.0.0.1 (0 picks a free one)', '8040')
      .option('--quiet', 'do not stream action logs'),
  ).action(exitWith(async (options: ServeOptions) => {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`--port must be a port number, not "${options.port}".`);
      return ExitCode.BadInput;
    }
    const [{ openLocalInstallation }, { RunProgress }, { untilInterrupted }, { SluiceError }] = await Promise.all([
      import('../../compose/local'),
      import('../progress'),
      import('../run-local'),
      import('../../core/errors'),
    ]);
    const say = (line: string) => process.stdout.write(`${line}\n`);
    const progress = new RunProgress(say, { showLogs: !options.quiet });
    let installation;
    try {
      installation = await openLocalInstallation({
        dataDir: options.dataDir,
        command: 'serve',
        onLog: progress.onLog,
        serveApi: true,
        port,
        write: say,
        runInBackground: { onApproval: (approval, url) => say(`  ${approval.stageName}/${approval.actionName}: waiting for approval: ${url}`) },
      });
    } catch (error) {
      if (!(error instanceof SluiceError) && (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      console.error((error as Error).message);
      return ExitCode.Failed;
    }
    installation.bus.subscribe(progress.onEvent);
    say(`Sluice is serving ${installation.dataDir} at ${installation.url} (Ctrl-C to stop)`);
    say(`Start a pipeline with: sluice start-pipeline-execution <name> --data-dir ${options.dataDir}`);
    say(`GitHub webhook: ${new URL('webhooks/github', installation.url).href} (content type application/json; secret: sluice webhook-secret --data-dir ${options.dataDir})`);
    say(`Embedded S3 uploads: ${installation.s3UploadEndpoint} (a zip uploaded there starts the pipelines whose S3 source reads it; sign with the credentials of: sluice credentials --data-dir ${options.dataDir})`);
    await untilInterrupted();
    say('Stopping: executions that wait for an approval go on in the next sluice serve; the others stop...');
    await installation.close();
    return ExitCode.Ok;
  }));
}
