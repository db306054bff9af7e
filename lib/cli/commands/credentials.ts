import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { dataDirOption, type LocalOptions } from '../local-options';

/** `sluice credentials`: the installation's access key pair, as shell lines for `eval`. */
export function registerCredentials(program: Command, exitWith: ExitWith): void {
  dataDirOption(
    program
      .command('credentials')
      .description(
        'Print the installation\'s credentials (made on first use) as shell exports; with sluice serve running, also its S3 upload endpoint. Use: eval "$(sluice credentials)"',
      ),
  ).action(
    exitWith(async (options: LocalOptions) => {
      const [{ installationCredentials }, { isAlive, readDataDirOwner }] = await Promise.all([
        import('../../adapters/local/installation-credentials'),
        import('../../adapters/local/data-dir-lock'),
      ]);
      const { accessKeyId, secretAccessKey } = await installationCredentials(options.dataDir);
      console.log(`export AWS_ACCESS_KEY_ID=${accessKeyId}`);
      console.log(`export AWS_SECRET_ACCESS_KEY=${secretAccessKey}`);
      const owner = await readDataDirOwner(options.dataDir);
      if (owner?.s3UploadEndpoint && isAlive(owner.pid)) console.log(`export AWS_ENDPOINT_URL_S3=${owner.s3UploadEndpoint}`);
      else console.error(`# No sluice serve runs on ${options.dataDir}, so nothing takes uploads now; once it runs, this also prints its S3 endpoint.`);
      return ExitCode.Ok;
    }),
  );
}
