import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';
import { dataDirOption, type LocalOptions } from '../local-options';

/** `sluice console`: a one-time link to the console of the running `sluice serve`, opened in the browser. */
export function registerConsole(program: Command, exitWith: ExitWith): void {
  dataDirOption(
    program
      .command('console')
      .description("Open the running sluice serve's console in the browser, signed in by a link that works once, within 5 minutes")
      .option('--no-open', 'only print the link'),
  ).action(
    exitWith(async (options: LocalOptions & { open: boolean }) => {
      const [{ ownerApi }, { SluiceError }] = await Promise.all([import('../api-access'), import('../../core/errors')]);
      const serve = await ownerApi(options.dataDir, 'serve');
      if (!serve) {
        console.error(`No sluice serve runs on ${options.dataDir}, and the console is served by it: start it with sluice serve --data-dir ${options.dataDir}.`);
        return ExitCode.Failed;
      }
      let url: string;
      try {
        ({ url } = await serve.newConsoleSignInLink());
      } catch (error) {
        if (!(error instanceof SluiceError)) throw error;
        console.error(`sluice serve gave no sign-in link: ${error.message}`);
        return ExitCode.Failed;
      }
      console.log(url);
      if (!options.open) return ExitCode.Ok;
      const { default: open } = await import('open');
      // The link is printed already: a machine without a browser still has it to open elsewhere.
      await open(url).catch((error: Error) => console.error(`Could not open a browser (${error.message}): open the link above in one.`));
      return ExitCode.Ok;
    }),
  );
}
