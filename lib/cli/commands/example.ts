import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { preloadEmbeddedStack } from '../../adapters/local/embedded-stack';
import { dataDirOption, type LocalOptions } from '../local-options';

interface ExampleOptions extends LocalOptions {
  serve: boolean;
  port: string;
  quiet?: boolean;
}

export function registerExample(program: Command, exitWith: ExitWith): void {
  dataDirOption(
    program
      .command('example')
      .description('Run the example pipeline end to end: a web app in a local git repository, built, tested and deployed to a local bucket, then served')
      .option('--no-serve', 'exit after the run instead of serving the deployed site')
      .option('--port <port>', 'the port to serve the site on (0 picks a free one)', '8080')
      .option('--quiet', 'do not stream action logs'),
  ).action(
    exitWith(async (options: ExampleOptions) => {
      // The example always runs here, on the embedded stack: its worker loads while the rest is prepared.
      preloadEmbeddedStack();
      const [{ serveBucketSite }, { EXAMPLES_DIR, ensureExampleRepository }, { runLocal, untilInterrupted }] = await Promise.all([
        import('../../adapters/local/site-server'),
        import('../example-repository'),
        import('../run-local'),
      ]);
      const repository = path.resolve(options.dataDir, 'repositories', 'webapp');
      const { created } = await ensureExampleRepository(repository);
      console.log(created ? `Created the example repository at ${repository}` : `Building the example repository at ${repository}`);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(`--port must be a port number, not "${options.port}".`);
        return ExitCode.BadInput;
      }
      const siteBucket = 'webapp-site';
      return runLocal(
        { file: path.join(EXAMPLES_DIR, 'webapp.pipeline.yml') },
        { dataDir: options.dataDir, quiet: options.quiet, var: { RepositoryUrl: repository, SiteBucket: siteBucket } },
        async (installation) => {
          if (!options.serve) return;
          // The usual port may be taken by another program; any free one serves as well.
          const site = await serveBucketSite(installation.deps.blobs, siteBucket, port).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'EADDRINUSE') throw error;
            console.log(`Port ${port} is in use; serving the site on a free port instead.`);
            return serveBucketSite(installation.deps.blobs, siteBucket, 0);
          });
          const interrupted = untilInterrupted();
          console.log(`\nThe deployed site is served at ${site.url} (Ctrl-C to stop)`);
          await interrupted;
          await site.close();
        },
      );
    }),
  );
}
