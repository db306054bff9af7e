import { Option, type Command } from 'commander';
import type { HostFamily } from '../../core/connection-hosts';
import { ExitCode, type ExitWith } from '../exit-codes';
import { dataDirOption, type LocalOptions } from '../local-options';

/** The hosts whose webhooks Sluice serves, as `--host` names them. */
const HOSTS: Record<string, HostFamily> = { github: 'GitHub', bitbucket: 'Bitbucket', gitlab: 'GitLab' };

/** `sluice webhook-secret [--host github|bitbucket|gitlab] [--rotate]`: the secret to paste into the host's webhook settings. */
export function registerWebhookSecret(program: Command, exitWith: ExitWith): void {
  dataDirOption(
    program
      .command('webhook-secret')
      .description(
        "Print the secret a host's webhook deliveries are checked with (created on first use), for the webhook's settings: GitHub's and Bitbucket's sign with it, GitLab's send it as the secret token",
      )
      .addOption(new Option('--host <host>', 'the host whose webhook it is').choices(Object.keys(HOSTS)).default('github'))
      .option('--rotate', 'replace it with a new one; deliveries made with the old one are refused from then on'),
  ).action(
    exitWith(async (options: LocalOptions & { host: string; rotate?: boolean }) => {
      // The file is read at each delivery, so this needs no running server and no lock on the data dir.
      const { rotateWebhookSecret, webhookSecret } = await import('../../adapters/local/webhook-secret-file');
      const host = HOSTS[options.host]!;
      console.log(options.rotate ? await rotateWebhookSecret(options.dataDir, host) : await webhookSecret(options.dataDir, host));
      return ExitCode.Ok;
    }),
  );
}
