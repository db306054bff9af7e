import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { dataDirOption, type LocalOptions } from '../local-options';

interface ServeOptions extends LocalOptions {
  port: string;
  publicUrl?: string;
  quiet?: boolean;
  pollInterval: string;
}

/** The --public-url as a base for links, ending in `/`; undefined if it is not an http(s) URL without query or fragment. */
function publicUrlOf(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) return undefined;
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

export function registerServe(program: Command, exitWith: ExitWith): void {
  dataDirOption(
    program
      .command('serve')
      .description('Serve the local installation until Ctrl-C: the API, approval pages, and executions started through it')
      .option('--port <port>', 'the port to listen on, on 127.0.0.1 (0 picks a free one)', '8040')
      .option('--public-url <url>', "the URL a proxy or tunnel serves this at: links in mails use it, and its host is answered besides loopback's")
      .option('--quiet', 'do not stream action logs')
      .option('--poll-interval <seconds>', 'how often to poll the S3 and CodeCommit sources whose PollForSourceChanges is "true"', '60'),
  ).action(
    exitWith(async (options: ServeOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(`--port must be a port number, not "${options.port}".`);
        return ExitCode.BadInput;
      }
      const pollSeconds = Number(options.pollInterval);
      if (!Number.isFinite(pollSeconds) || pollSeconds < 1 || pollSeconds > 86_400) {
        console.error(`--poll-interval must be a number of seconds from 1 to 86400, not "${options.pollInterval}".`);
        return ExitCode.BadInput;
      }
      const publicUrl = options.publicUrl === undefined ? undefined : publicUrlOf(options.publicUrl);
      if (options.publicUrl !== undefined && !publicUrl) {
        console.error(
          `--public-url must be an http or https URL without query, fragment or credentials, such as https://sluice.example.com/, not "${options.publicUrl}".`,
        );
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
          publicUrl,
          write: say,
          sourcePollMs: pollSeconds * 1000,
          runInBackground: { onApproval: (approval, url) => say(`  ${approval.stageName}/${approval.actionName}: waiting for approval: ${url}`) },
        });
      } catch (error) {
        if (!(error instanceof SluiceError) && (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        console.error((error as Error).message);
        return ExitCode.Failed;
      }
      installation.bus.subscribe(progress.onEvent);
      // Listening before saying it serves: a Ctrl-C sent as soon as that line is read closes it cleanly.
      const interrupted = untilInterrupted();
      say(`Sluice is serving ${installation.dataDir} at ${installation.url} (Ctrl-C to stop)`);
      say(`Start a pipeline with: sluice start-pipeline-execution <name> --data-dir ${options.dataDir}`);
      say(`Open the console, signed in, with: sluice console --data-dir ${options.dataDir}`);
      if (publicUrl) say(`Links in mails, and the Host answered besides loopback's: ${publicUrl.href}`);
      for (const [host, name] of [
        ['github', 'GitHub'],
        ['bitbucket', 'Bitbucket'],
        ['gitlab', 'GitLab'],
      ] as const) {
        const secret = `sluice webhook-secret${host === 'github' ? '' : ` --host ${host}`} --data-dir ${options.dataDir}`;
        say(`${name} webhook: ${new URL(`webhooks/${host}`, publicUrl ?? installation.url).href} (content type application/json; secret: ${secret})`);
      }
      say(
        `Embedded S3 uploads: ${installation.s3UploadEndpoint} (a zip uploaded there starts the pipelines whose S3 source reads it; sign with the credentials of: sluice credentials --data-dir ${options.dataDir})`,
      );
      await interrupted;
      say('Stopping: executions that wait for an approval go on in the next sluice serve; the others stop...');
      await installation.close();
      return ExitCode.Ok;
    }),
  );
}
