/** The `sluice` program, loaded by dist/sluice.cjs once the compile cache is on (lib/cli/sluice.ts). */
import { main } from './main';

// The AWS SDK warns on every Node 20 start that its 2027 releases will need Node 22. Sluice pins
// its SDK through the lockfile and supports Node 20, so that notice is not the user's to act on.
// Nor is Node 20's note that the loader which imports a Lambda handler file from the compiled
// program (lib/cli/sluice.ts) is experimental: Node 22 compiles the program itself.
const NOT_THE_USERS = ['NodeVersionSupportWarning', 'vm.USE_MAIN_CONTEXT_DEFAULT_LOADER'];
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (NOT_THE_USERS.some((start) => text.startsWith(start))) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
