import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { dataDirOption, type LocalOptions } from '../local-options';

/** `sluice webhook-secret [--rotate]`: the secret to paste into GitHub's webhook settings. */
export function registerWebhookSecret(program: Command, exitWith: ExitWith): void {
  dataDirOption(
    program
      .command('webhook-secret')
      .description("Print the secret GitHub signs webhook deliveries with (created on first use), for the webhook's settings")
      .option('--rotate', 'replace it with a new one; deliveries signed with the old one are refused from then on'),
  ).action(
    exitWith(async (options: LocalOptions & { rotate?: boolean }) => {
      // The file is read at each delivery, so this needs no running server and no lock on the data dir.
      const { rotateWebhookSecret, webhookSecret } = await import('../../adapters/local/webhook-secret-file');
      console.log(options.rotate ? await rotateWebhookSecret(options.dataDir) : await webhookSecret(options.dataDir));
      return ExitCode.Ok;
    }),
  );
}
